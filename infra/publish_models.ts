/**
 * Publishes the model artifacts to S3: every file the manifest lists (sha256 checked first),
 * then the manifest itself last, so a reader never sees a manifest naming a missing file.
 *
 * Usage: `deno run -A infra/publish_models.ts s3://bucket/prefix [models-folder]`, with the
 * `STAVE_S3_*` connection variables of `shared/config.ts` (endpoint, region, credentials).
 *
 * @module
 */
import { loadConfig } from "../shared/config.ts";
import { parseManifest } from "../shared/models/mod.ts";
import { sha256Hex } from "../shared/sha256.ts";
import { createObjectStore, type ObjectStore } from "../shared/storage/mod.ts";

/**
 * Uploads the manifest's files from `dir` to `store`, then the manifest; returns the keys.
 *
 * @throws {Error} when a local file does not match its manifest sha256 (nothing is uploaded).
 */
export async function publishModels(dir: string, store: ObjectStore): Promise<string[]> {
  const manifestBytes = await Deno.readFile(`${dir}/manifest.json`);
  const manifest = parseManifest(JSON.parse(new TextDecoder().decode(manifestBytes)));
  const files = new Map<string, Uint8Array>();
  for (const model of manifest.models) {
    const bytes = await Deno.readFile(`${dir}/${model.file}`);
    const actual = await sha256Hex(bytes);
    if (actual !== model.sha256) {
      throw new Error(
        `Model "${model.name}" file "${model.file}" has sha256 ${actual}, manifest says ${model.sha256}`,
      );
    }
    files.set(model.file, bytes);
  }
  for (const [key, bytes] of files) {
    await store.put(key, bytes, { contentType: "application/octet-stream" });
  }
  await store.put("manifest.json", manifestBytes, { contentType: "application/json" });
  return [...files.keys(), "manifest.json"];
}

if (import.meta.main) {
  const [target, dir = "models"] = Deno.args;
  if (target === undefined || !target.startsWith("s3://")) {
    console.error("Usage: deno run -A infra/publish_models.ts s3://bucket/prefix [models-folder]");
    Deno.exit(2);
  }
  const config = loadConfig({ ...Deno.env.toObject(), STAVE_MODELS: target });
  if (config.models.kind !== "s3") throw new TypeError(`Invalid target "${target}"`);
  const store = createObjectStore(config.models);
  try {
    for (const key of await publishModels(dir, store)) console.log(`uploaded ${key}`);
  } finally {
    await store.close?.();
  }
}
