/**
 * Runs a local S3-compatible server (s3rver) for development, with data under `./data/s3`.
 *
 * Usage: `deno run -A infra/local/s3.ts [bucket...]`. Buckets come from the arguments, else
 * from `STAVE_S3_BUCKET`, else `stave`; the port from `STAVE_S3_PORT` (default 4569). With
 * `STAVE_HOOK_SECRET` set, every event is relayed, signed, to `STAVE_HOOK_URL` (default
 * `http://127.0.0.1:8000/v1/hooks/object-created`), as a bucket notification would be.
 * Stop it with Ctrl-C; the objects stay in `./data/s3` for the next run.
 *
 * @module
 */

import { relayS3Event } from "./hook_relay.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "./s3_server.ts";

const port = Number(Deno.env.get("STAVE_S3_PORT") ?? "4569");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new RangeError(
    `Invalid STAVE_S3_PORT "${Deno.env.get("STAVE_S3_PORT")}": expected 0..65535`,
  );
}
const buckets = Deno.args.length > 0 ? Deno.args : [Deno.env.get("STAVE_S3_BUCKET") ?? "stave"];

const secret = Deno.env.get("STAVE_HOOK_SECRET")?.trim() || undefined;
const url = Deno.env.get("STAVE_HOOK_URL") ?? "http://127.0.0.1:8000/v1/hooks/object-created";
const relay = secret === undefined ? undefined : { url, secret };

/** Relays one event and logs the hook's answer; a relay failure is logged, never fatal. */
async function relayed(event: unknown): Promise<void> {
  try {
    const answer = await relayS3Event(event, relay!);
    console.log(`hook ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
  } catch (error) {
    console.error(`hook relay to ${url} failed: ${error instanceof Error ? error.message : error}`);
  }
}

const server = await startS3Server({
  buckets,
  port,
  directory: "data/s3",
  onEvent: relay === undefined ? undefined : (event) => void relayed(event),
});

console.log(`s3rver listening on ${server.endpoint}, buckets: ${buckets.join(", ")}`);
console.log("Export these for Stave:\n");
console.log(`export STAVE_S3_ENDPOINT=${server.endpoint}`);
console.log(`export STAVE_S3_BUCKET=${buckets[0]}`);
console.log("export STAVE_S3_FORCE_PATH_STYLE=true");
console.log(`export STAVE_S3_ACCESS_KEY_ID=${S3RVER_CREDENTIALS.accessKeyId}`);
console.log(`export STAVE_S3_SECRET_ACCESS_KEY=${S3RVER_CREDENTIALS.secretAccessKey}`);
if (relay !== undefined) console.log(`\nRelaying bucket events to ${url}`);

const stop = async () => {
  console.log("\nStopping s3rver");
  await server.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
