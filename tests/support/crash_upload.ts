/**
 * A subprocess for crash tests: stores the score file `Deno.args[0]` in the configured library
 * and, once step `Deno.args[1]` is committed, says so and waits to be killed mid-job.
 *
 * @module
 */
import { configOrExit } from "../../main.ts";
import { storeUpload } from "../../shared/library/mod.ts";
import { openServices } from "../../shared/services.ts";

/** The line printed when the process is ready to be killed. */
export const CRASH_POINT = "waiting to be killed";

if (import.meta.main) {
  const [path, stopAfter] = Deno.args;
  const services = await openServices(configOrExit());
  await storeUpload(services, { bytes: await Deno.readFile(path!), title: "Crash test" }, {
    afterStep: async (step) => {
      console.log(`committed ${step}`);
      if (step !== stopAfter) return;
      console.log(CRASH_POINT);
      // A timer keeps the process alive: an empty event loop would let it exit by itself.
      await new Promise(() => setInterval(() => {}, 60_000));
    },
  });
}
