/**
 * A subprocess for crash tests: `crash_upload.ts <point> <file>...` stores every file but the last
 * in full (titled by their file names), then stores the last until it reaches `<point>` (an upload point of `storeUpload`:
 * `prepared`, `job`, `object`; or an index job step, once committed), says so and waits to be
 * killed. Each point reached prints `reached <point>`.
 *
 * @module
 */
import { basename } from "node:path";
import { configOrExit } from "../../main.ts";
import { storeUpload } from "../../shared/library/mod.ts";
import { openServices } from "../../shared/services.ts";

/** The line printed when the process is ready to be killed. */
export const CRASH_POINT = "waiting to be killed";

/** The line printed once the last file reaches `point`. */
export const reachedLine = (point: string): string => `reached ${point}`;

if (import.meta.main) {
  const [stopAt, ...paths] = Deno.args;
  const last = paths.pop();
  if (stopAt === undefined || last === undefined) {
    console.error("Usage: crash_upload.ts <point> <file>...");
    Deno.exit(2);
  }
  const services = await openServices(configOrExit());
  for (const path of paths) {
    await storeUpload(services, { bytes: await Deno.readFile(path), title: basename(path) });
  }
  const reached = async (point: string) => {
    console.log(reachedLine(point));
    if (point !== stopAt) return;
    console.log(CRASH_POINT);
    // A timer keeps the process alive: an empty event loop would let it exit by itself.
    await new Promise(() => setInterval(() => {}, 60_000));
  };
  await storeUpload(services, { bytes: await Deno.readFile(last), title: "Crash test" }, {
    reached,
    afterStep: reached,
  });
  // Reaching the end means the point was never passed: a wrong name, which the test must see.
  console.error(`Point "${stopAt}" was never reached`);
  Deno.exit(3);
}
