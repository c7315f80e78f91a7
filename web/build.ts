/**
 * Builds the web app into a folder the service serves at `/`: the page, its stylesheet and icon, the
 * browser bundle of `web/main.ts` (with `deno bundle`, split so that onnxruntime-web loads only
 * for on-device recognition), the microphone's audio worklet (a module of its own, loaded by
 * URL), and the WASM files the bundle fetches from beside itself, each also gzipped for clients
 * that accept it.
 *
 * `deno task build:web` runs it (and `deno task start` runs that first); tests call
 * {@linkcode buildWeb} with a folder of their own.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url);

/** Files copied as they are, from `web/`. */
const PAGES = ["index.html", "style.css", "icon.svg"];

/** WASM files the bundle loads by URL, relative to the npm package entry they sit beside. */
const RUNTIME_FILES: ReadonlyArray<readonly [entry: string, file: string]> = [
  // onnxruntime-web/wasm (CPU) and onnxruntime-web/webgpu builds.
  ["onnxruntime-web", "ort-wasm-simd-threaded.wasm"],
  ["onnxruntime-web", "ort-wasm-simd-threaded.asyncify.wasm"],
  // The image codecs of shared/image/decode_image.ts.
  ["@jsquash/png/decode.js", "codec/pkg/squoosh_png_bg.wasm"],
  ["@jsquash/jpeg/decode.js", "codec/dec/mozjpeg_dec.wasm"],
  ["@jsquash/webp/decode.js", "codec/dec/webp_dec.wasm"],
];

/**
 * Writes the web app into `outDir`, replacing what was there.
 *
 * @example
 * ```ts ignore
 * await buildWeb("web/dist");
 * ```
 * @throws {Error} when `deno bundle` fails, with its output.
 */
export async function buildWeb(outDir: string): Promise<void> {
  await Deno.remove(outDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.mkdir(outDir, { recursive: true });
  const bundle = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=browser",
      "--format=esm",
      "--code-splitting",
      "--minify",
      // Reached only on the `node` backend, which the browser never asks for.
      "--external=onnxruntime-node",
      `--outdir=${outDir}`,
      "web/main.ts",
      "web/recorder_worklet.ts",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!bundle.success) {
    const text = new TextDecoder();
    throw new Error(
      `Cannot bundle the web app: deno bundle exited with ${bundle.code}: ` +
        text.decode(bundle.stderr) + text.decode(bundle.stdout),
    );
  }
  for (const page of PAGES) {
    await Deno.copyFile(new URL(`web/${page}`, ROOT), `${outDir}/${page}`);
  }
  for (const [entry, file] of RUNTIME_FILES) {
    const source = new URL(file, import.meta.resolve(entry));
    await Deno.copyFile(source, `${outDir}/${file.split("/").at(-1)}`);
  }
  const built = await Array.fromAsync(Deno.readDir(outDir), (entry) => entry.name);
  for (const name of built.filter((name) => /\.(html|css|js|wasm|svg)$/.test(name))) {
    await gzip(`${outDir}/${name}`);
  }
}

/** Writes `path.gz` beside `path`: the WASM runtime shrinks from 14 MB to under 4 MB. */
async function gzip(path: string): Promise<void> {
  using input = await Deno.open(path);
  using output = await Deno.create(`${path}.gz`);
  await input.readable.pipeThrough(new CompressionStream("gzip")).pipeTo(output.writable);
}

if (import.meta.main) {
  // Where the service looks for it: STAVE_WEB_DIR, as shared/config.ts reads it.
  const outDir = Deno.args[0] ?? (Deno.env.get("STAVE_WEB_DIR")?.trim() || "web/dist");
  const t0 = performance.now();
  await buildWeb(outDir);
  console.log(`Built the web app into ${outDir} in ${Math.round(performance.now() - t0)} ms`);
}
