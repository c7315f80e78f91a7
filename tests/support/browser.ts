/**
 * A real browser for tests: Debian's Chromium (`apt-get install chromium`, as `.ci/run` does),
 * headless, driven by puppeteer-core. Nothing is downloaded; where Chromium is not installed the
 * browser tests are skipped with a message that says so.
 *
 * @module
 */
import puppeteer, { type Browser } from "puppeteer-core";

/** Where Debian installs Chromium; `STAVE_CHROMIUM` may name another binary. */
const CANDIDATE = Deno.env.get("STAVE_CHROMIUM") ?? "/usr/bin/chromium";

function installed(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The Chromium binary, or `undefined` when it is not installed. */
export const CHROMIUM: string | undefined = installed(CANDIDATE) ? CANDIDATE : undefined;

if (CHROMIUM === undefined) {
  console.warn(
    `Skipping browser tests: no Chromium at ${CANDIDATE} (install the Debian package chromium, ` +
      "as .ci/run does, or set STAVE_CHROMIUM)",
  );
}

/**
 * Starts headless Chromium with `args` besides its own (e.g. a fake microphone).
 *
 * @throws {Error} when it is not installed.
 */
export async function launchBrowser(args: readonly string[] = []): Promise<Browser> {
  if (CHROMIUM === undefined) throw new Error(`Cannot launch Chromium: none at ${CANDIDATE}`);
  return await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox refuses to run as root, which CI is.
    args: [...(Deno.uid() === 0 ? ["--no-sandbox"] : []), ...args],
  });
}

/** Where tests write screenshots: `$STAVE_SCREENSHOTS`, else a fixed folder under the temp dir. */
export async function screenshotsDir(): Promise<string> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const dir = Deno.env.get("STAVE_SCREENSHOTS") ?? `${tmp}/stave-screenshots`;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}
