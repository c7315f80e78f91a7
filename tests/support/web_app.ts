/**
 * The web app on a live server for browser tests: built into a temp folder, served with real
 * services (PGlite, a local store, the given models) on a free port, and a headless Chromium
 * page that records every page error, console error and failed request.
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { createApp } from "../../app.ts";
import type { Env } from "../../shared/config.ts";
import { buildWeb } from "../../web/build.ts";
import { launchBrowser } from "./browser.ts";
import { openTestServices, type TestServices } from "./services.ts";

/** A served web app and a browser page on it; `close()` stops and removes everything. */
export interface LiveWebApp {
  /** The server's origin, e.g. `http://127.0.0.1:40123`. */
  readonly base: string;
  /** A temp folder of the test's own (removed on close). */
  readonly dir: string;
  readonly services: TestServices;
  readonly browser: Browser;
  /** The first page. */
  readonly page: Page;
  /** Another page, watched for problems like the first. */
  newPage(): Promise<Page>;
  /** What went wrong in the page so far: it should stay empty. */
  readonly problems: string[];
  close(): Promise<void>;
}

/**
 * Builds and serves the web app over services configured by `env`, and opens a page in a
 * Chromium started with `args`. Console errors matching `expected` (answers a step provokes on
 * purpose) are not counted as problems.
 */
export async function openWebApp(
  env: Env,
  options: { args?: readonly string[]; expected?: RegExp } = {},
): Promise<LiveWebApp> {
  const dir = await Deno.makeTempDir({ prefix: "stave-web-e2e-" });
  await buildWeb(`${dir}/web`);
  const services = await openTestServices({ ...env, STAVE_WEB_DIR: `${dir}/web` });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createApp(services).fetch,
  );
  const browser = await launchBrowser(options.args);
  const problems: string[] = [];
  const newPage = async () => {
    const page = await browser.newPage();
    page.on("pageerror", (error) => problems.push(`page error: ${error}`));
    page.on("console", (message) => {
      const text = message.text();
      if (message.type() === "error" && !options.expected?.test(text)) {
        problems.push(`console: ${text}`);
      }
    });
    page.on("requestfailed", (request) => {
      // Blob URLs of a replaced result are revoked on purpose.
      if (!request.url().startsWith("blob:")) {
        problems.push(
          `request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`,
        );
      }
    });
    return page;
  };
  const page = await newPage();
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    dir,
    services,
    browser,
    page,
    newPage,
    problems,
    async close() {
      await browser.close();
      await server.shutdown();
      await services.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Waits until the file `path` exists and is not empty (a download), and reads it. */
export async function downloaded(path: string): Promise<Uint8Array> {
  for (let i = 0; i < 100; i++) {
    const bytes = await Deno.readFile(path).catch(() => new Uint8Array());
    if (bytes.byteLength > 0) return bytes;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Nothing was downloaded to ${path} within 10 s`);
}
