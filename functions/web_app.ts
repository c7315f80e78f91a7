/**
 * The web app at `/`: the page, and its bundle, stylesheet and WASM files under `/app/`, from
 * the folder `deno task build:web` writes (`STAVE_WEB_DIR`), under a strict
 * Content-Security-Policy.
 *
 * @module
 */
import { Hono } from "hono";
import type { AppEnv } from "./http/app_env.ts";
import { staticFiles } from "./http/static_files.ts";

/**
 * Only the app's own scripts, styles and connections; `wasm-unsafe-eval` lets onnxruntime-web
 * and the image codecs compile WASM; `blob:` images are the chosen photo and the engraving.
 */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The web app over the built files in `dir`. */
export function webApp(dir: string): Hono<AppEnv> {
  const files = staticFiles({
    root: dir,
    headers: { "content-security-policy": WEB_APP_CSP },
    missingRoot: `The web app is not built in "${dir}": run deno task build:web`,
  });
  return new Hono<AppEnv>()
    .get("/", (c) => files(c, "index.html"))
    .get("/app/:file", (c) => files(c, c.req.param("file")));
}
