/// <reference lib="dom" />
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { createApp } from "../../app.ts";
import { buildWeb } from "../../web/build.ts";
import { CHROMIUM, launchBrowser, screenshotsDir } from "../support/browser.ts";
import { openTestServices } from "../support/services.ts";

/** The committed, trained models. */
const MODELS = new URL("../../models/", import.meta.url).pathname;
/** One real PrIMuS staff (a C clef, a key of three flats, a multi-measure rest). */
const STAFF = new URL(
  "../../../shared/data/primus/example/000051652-1_2_1.png",
  import.meta.url,
).pathname;

/** The tokens the page lists, with their confidences and whether each is marked low. */
function shownTokens(page: Page) {
  return page.$$eval("#tokens li", (items) =>
    items.map((li) => ({
      token: li.dataset.token!,
      confidence: Number(li.dataset.confidence),
      low: li.classList.contains("low"),
    })));
}

/** Waits until the result shows a reading by `path` (`server`, `on-device WASM`, ...). */
async function waitForReading(page: Page, path: RegExp) {
  await page.waitForFunction(
    (source) => {
      const result = document.getElementById("result")!;
      const busy = document.getElementById("busy")!.textContent;
      return !result.hidden && busy === "" && new RegExp(source).test(result.dataset.path ?? "");
    },
    { timeout: 180_000 },
    path.source,
  );
}

Deno.test({
  name: "the web app reads a staff on the server and on the device in headless Chromium",
  ignore: CHROMIUM === undefined,
  // puppeteer keeps its socket and child process until the browser closes, in `finally`.
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "stave-web-e2e-" });
  const shots = await screenshotsDir();
  await buildWeb(`${dir}/web`);
  const services = await openTestServices({ STAVE_MODELS: MODELS, STAVE_WEB_DIR: `${dir}/web` });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createApp(services).fetch,
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const browser = await launchBrowser();
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on("pageerror", (error) => problems.push(`page error: ${error}`));
    page.on("console", (message) => {
      // The deliberate upload of a text file is answered 415, which Chromium logs.
      if (message.type() === "error" && !/status of 415/.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
    page.on("requestfailed", (request) => {
      // Blob URLs of a replaced result are revoked on purpose.
      if (!request.url().startsWith("blob:")) {
        problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
      }
    });

    await t.step("the page loads, labelled and usable from the keyboard", async () => {
      const response = await page.goto(base, { waitUntil: "networkidle0" });
      assert.equal(response?.status(), 200);
      assert.equal(await page.title(), "Stave: read, find and write sheet music");
      const unlabelled = await page.$$eval(
        "input, button",
        (controls) =>
          controls.filter((c) =>
            ((c as HTMLInputElement).labels?.length ?? 0) === 0 && c.textContent!.trim() === ""
          ).map((c) => c.id),
      );
      assert.deepEqual(unlabelled, []);
      // The navigation's five links (the flows, the API docs), then the file input, shown
      // through its label.
      for (let i = 0; i < 6; i++) await page.keyboard.press("Tab");
      const focus = await page.evaluate(() => {
        const active = document.activeElement as HTMLInputElement;
        return { id: active.id, outline: getComputedStyle(active.labels![0]!).outlineStyle };
      });
      assert.deepEqual(focus, { id: "file", outline: "solid" });
      assert.equal(
        await page.$eval("#read-server", (b) => (b as HTMLButtonElement).disabled),
        true,
      );
      await page.screenshot({ path: `${shots}/read-start.png` });
    });

    let serverTokens: string[] = [];
    await t.step("read on the server: the staff engraved again, tokens, timing", async () => {
      const input = await page.$("input#file");
      await input!.uploadFile(STAFF);
      await page.click("#read-server");
      await waitForReading(page, /^server$/);
      const tokens = await shownTokens(page);
      assert.ok(tokens.length > 5, JSON.stringify(tokens));
      assert.equal(tokens[0]!.token, "clef-C1");
      for (const token of tokens) assert.equal(token.low, token.confidence < 0.5);
      serverTokens = tokens.map((token) => token.token);
      assert.match(
        await page.$eval("#path", (p) => p.textContent!),
        /^Read on the server in \d+ ms/,
      );
      assert.equal(await page.$eval("#threshold", (s) => s.textContent!), "50\u00a0%");
      await page.waitForFunction(() => {
        const render = document.getElementById("render") as HTMLImageElement;
        return render.src.startsWith("blob:") && render.complete && render.naturalWidth > 0;
      });
      // The page's CSP keeps even its own scripts from reading blobs, so ask the API for the
      // same engraving.
      const svg = await (await fetch(`${base}/v1/recognize?format=svg`, {
        method: "POST",
        body: await Deno.readFile(STAFF),
        headers: { "content-type": "image/png" },
      })).text();
      assert.ok((svg.match(/class="note[ "]/g)?.length ?? 0) >= 5);
      const size = await page.$eval("#render", (img) => {
        const { naturalWidth, naturalHeight } = img as HTMLImageElement;
        return naturalWidth / naturalHeight;
      });
      const [, , , width, height] = /viewBox="([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)"/.exec(svg)!
        .map(Number);
      assert.ok(Math.abs(size - width! / height!) < 0.05, `${size} vs ${width! / height!}`);
      await page.screenshot({ path: `${shots}/read-server.png`, fullPage: true });
    });

    await t.step("the MusicXML download link gives MusicXML", async () => {
      const downloads = `${dir}/downloads`;
      await Deno.mkdir(downloads);
      const cdp = await browser.target().createCDPSession();
      await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
      await page.click('a[data-format="musicxml"]');
      await page.waitForFunction(() =>
        document.querySelector<HTMLAnchorElement>('a[data-format="musicxml"]')!.href
          .startsWith("blob:")
      );
      let xml = "";
      for (let i = 0; i < 100 && xml === ""; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        xml = await Deno.readTextFile(`${downloads}/staff.musicxml`).catch(() => "");
      }
      assert.match(xml, /<score-partwise version="4\.0"/);
      const api = await fetch(`${base}/v1/recognize?format=musicxml`, {
        method: "POST",
        body: await Deno.readFile(STAFF),
        headers: { "content-type": "image/png" },
      });
      assert.equal(xml, await api.text());
    });

    await t.step("Play sounds the staff and Stop stops it", async () => {
      await page.click("#play");
      await page.waitForFunction(() =>
        !(document.getElementById("stop") as HTMLButtonElement).disabled
      );
      await page.click("#stop");
      await page.waitForFunction(() =>
        (document.getElementById("stop") as HTMLButtonElement).disabled
      );
      assert.equal(await page.$eval("#error", (e) => (e as HTMLElement).hidden), true);
    });

    await t.step("read on this device: the same tokens as the server, from WASM", async () => {
      await page.click("#read-device");
      await waitForReading(page, /^on-device (WASM|WebGPU)$/);
      const tokens = await shownTokens(page);
      assert.deepEqual(tokens.map((token) => token.token), serverTokens);
      assert.match(
        await page.$eval("#path", (p) => p.textContent!),
        /^Read on this device with (WebAssembly|WebGPU) in \d+ ms, after loading the model in \d+ ms/,
      );
      assert.equal(await page.$eval("#engraving", (e) => (e as HTMLElement).hidden), true);
      await page.screenshot({ path: `${shots}/read-device.png`, fullPage: true });
    });

    await t.step("a phone-sized screen needs no sideways scrolling", async () => {
      // A mobile viewport reloads the page, so the staff is chosen again.
      await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
      await (await page.$("input#file"))!.uploadFile(STAFF);
      await page.click("#read-server");
      await waitForReading(page, /^server$/);
      const overflow = await page.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      assert.equal(overflow, 0);
      await page.screenshot({ path: `${shots}/read-phone.png`, fullPage: true });
      await page.setViewport({ width: 1280, height: 900 });
    });

    await t.step("a text file: the problem's title and detail are shown", async () => {
      const notes = `${dir}/notes.txt`;
      await Deno.writeTextFile(notes, "not a picture of music");
      const input = await page.$("input#file");
      await input!.uploadFile(notes);
      await page.click("#read-server");
      await page.waitForSelector("#error:not([hidden])");
      const shown = await page.$eval("#error", (e) => ({
        title: e.querySelector(".error-title")!.textContent,
        detail: e.querySelector(".error-detail")!.textContent,
      }));
      assert.deepEqual(shown, {
        title: "Unsupported Media Type",
        detail: 'Unsupported Content-Type "text/plain": expected image/png or image/jpeg or ' +
          "image/webp or multipart/form-data",
      });
      await page.screenshot({ path: `${shots}/read-error.png` });

      await page.click("#read-device");
      await page.waitForFunction(() => document.getElementById("busy")!.textContent === "");
      await page.waitForSelector("#error:not([hidden])");
      const device = await page.$eval(".error-title", (e) => e.textContent);
      assert.equal(device, "Unsupported Media Type");
    });

    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await server.shutdown();
    await services.close();
    await Deno.remove(dir, { recursive: true });
  }
});
