/// <reference lib="dom" />
/**
 * The Library, Find and Write flows of the web app in headless Chromium, on a live server with
 * the committed, trained models: a score is uploaded through the Library with a key, found by
 * typed ABC notes, by a WAV file and by the (fake) microphone, a melody is written, engraved,
 * played, downloaded and judged by the classifier, and the score is deleted again.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { notesFromScore } from "../../shared/classify/notes_from_score.ts";
import { CHROMIUM, screenshotsDir } from "../support/browser.ts";
import { ABC_REEL } from "../support/scores.ts";
import { synthesize, wavFile } from "../support/wav.ts";
import { downloaded, openWebApp } from "../support/web_app.ts";

const MODELS = new URL("../../models/", import.meta.url).pathname;
const CHORALES = new URL("../../../shared/data/melodies/bach-chorale/", import.meta.url).pathname;
const API_KEY = "test-api-key-0123456789";
const TITLE = "Test Reel";
/** The reel's first four measures as a person would type them: its first excerpt. */
const TYPED = "K:D\nDFAF dFAF|GBdB GBdB|Acec AcBA|GFED E2 D2|";

/** What a flow's alert shows, or `null` while it is hidden. */
function shownError(page: Page, id: string) {
  return page.$eval(id, (box) =>
    (box as HTMLElement).hidden ? null : {
      title: box.querySelector(".error-title")!.textContent,
      detail: box.querySelector(".error-detail")!.textContent,
    });
}

/** Waits until the flow's status line is empty (its request is done). */
async function idle(page: Page, busy: string) {
  await page.waitForFunction(
    (id) => document.getElementById(id)!.textContent === "",
    { timeout: 120_000 },
    busy,
  );
}

/** Waits until every image in `selector` has loaded; answers their sizes. */
async function loadedImages(page: Page, selector: string) {
  await page.waitForFunction(
    (s) =>
      [...document.querySelectorAll<HTMLImageElement>(s)].every((img) =>
        img.complete && img.naturalWidth > 0
      ),
    { timeout: 60_000 },
    selector,
  );
  return await page.$$eval(
    selector,
    (images) => images.map((img) => (img as HTMLImageElement).naturalWidth),
  );
}

/** The titles of the Find results, with the answer's modality. */
async function searched(page: Page) {
  await page.waitForSelector("#find-results:not([hidden])");
  await idle(page, "find-busy");
  assert.equal(await shownError(page, "#find-error"), null);
  return {
    modality: await page.$eval("#find-results", (s) => (s as HTMLElement).dataset.modality),
    titles: await page.$$eval("#find-list h3", (hs) => hs.map((h) => h.textContent)),
    summary: await page.$eval("#find-summary", (p) => p.textContent!),
  };
}

/** Opens the flow `name` from the navigation, by the keyboard. */
async function openFlow(page: Page, name: string) {
  await page.focus(`nav a[href="#${name}"]`);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`#${name}:not([hidden])`);
}

Deno.test({
  name: "the web app's Library, Find and Write flows work in headless Chromium",
  ignore: CHROMIUM === undefined,
  // puppeteer keeps its socket and child process until the browser closes, in `finally`.
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  const shots = await screenshotsDir();
  const dir = await Deno.makeTempDir({ prefix: "stave-web-flows-" });
  // The reel's first four measures (8 s at 120 beats a minute), synthesized: the WAV file to
  // upload, and what Chromium's fake microphone plays (in a loop) from the browser's start.
  const notes = await notesFromScore(new TextEncoder().encode(ABC_REEL), "abc");
  const recording = `${dir}/reel.wav`;
  const RECORDED_SECONDS = 8.5;
  const samples = synthesize(notes).slice(0, RECORDED_SECONDS * 16000);
  await Deno.writeFile(recording, wavFile(samples));
  const app = await openWebApp({
    STAVE_MODELS: MODELS,
    STAVE_API_KEY: API_KEY,
    // Each result's excerpt is an image request: keep a test's burst of them from a 429.
    STAVE_RATE_LIMIT_IP_PER_MINUTE: "0",
  }, {
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${recording}`,
    ],
    // The deliberate requests without a key and with a text file are answered 401 and 415.
    expected: /status of (401|415)/,
  });
  const { page, base } = app;
  try {
    // Other scores, so that finding the reel means something.
    const chorales = [...Deno.readDirSync(CHORALES)].map((e) => e.name)
      .filter((n) => n.endsWith(".mxl")).sort().slice(0, 6);
    for (const name of chorales) {
      const body = new FormData();
      body.append("file", new File([await Deno.readFile(`${CHORALES}${name}`)], name));
      body.append("title", `Chorale ${name}`);
      body.append("composer", "J. S. Bach");
      const response = await fetch(`${base}/v1/scores`, {
        method: "POST",
        body,
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      assert.equal(response.status, 201, await response.text());
    }
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(base, { waitUntil: "networkidle0" });
    page.on("dialog", (dialog) => dialog.accept());

    await t.step("every control has a label; the flows are reached from the keyboard", async () => {
      const unlabelled = await page.$$eval(
        "input, button, select, textarea",
        (controls) =>
          controls.filter((c) =>
            ((c as HTMLInputElement).labels?.length ?? 0) === 0 && c.textContent!.trim() === ""
          ).map((c) => c.id),
      );
      assert.deepEqual(unlabelled, []);
      await openFlow(page, "library");
      assert.equal(await page.$eval("#read", (e) => (e as HTMLElement).hidden), true);
      assert.equal(
        await page.$eval('nav a[aria-current="page"]', (a) => a.getAttribute("href")),
        "#library",
      );
    });

    const reel = `${dir}/reel.abc`;
    await Deno.writeTextFile(reel, ABC_REEL);
    let scoreId = "";
    await t.step("Library: an upload without a key shows the 401 problem", async () => {
      await idle(page, "library-busy");
      await (await page.$("input#upload-file"))!.uploadFile(reel);
      await page.type("#upload-title", TITLE);
      await page.click("#upload-submit");
      await page.waitForSelector("#library-error:not([hidden])");
      const error = await shownError(page, "#library-error");
      assert.equal(error?.title, "Unauthorized");
      assert.match(error!.detail!, /Missing API key.*"write"/);
    });

    await t.step("Library: with a key the score is stored, indexed, listed and shown", async () => {
      await page.type("#api-key", API_KEY);
      assert.equal(await page.evaluate(() => sessionStorage.getItem("stave.apiKey")), API_KEY);
      await page.type("#upload-composer", "Trad");
      await page.click("#upload-submit");
      await page.waitForSelector("#score-view:not([hidden])");
      await idle(page, "library-busy");
      assert.equal(await shownError(page, "#library-error"), null);
      assert.match(await page.$eval("#upload-done", (p) => p.textContent!), /indexed, 2 excerpts/);
      scoreId = await page.$eval("#score-view", (s) => (s as HTMLElement).dataset.scoreId!);
      assert.equal(await page.$eval("#score-title", (h) => h.textContent), TITLE);
      const titles = await page.$$eval(
        "#library-list button",
        (bs) => bs.map((b) => b.textContent),
      );
      assert.equal(titles[0], TITLE);
      assert.equal(titles.length, 7);
      const [width] = await loadedImages(page, "#score-excerpt");
      assert.ok(width! > 100);
      await page.screenshot({ path: `${shots}/library.png`, fullPage: true });
    });

    await t.step("Find: typed ABC notes find the reel first, its measures engraved", async () => {
      await openFlow(page, "find");
      await page.type("#find-notes", TYPED);
      await page.click("#find-notes-go");
      const found = await searched(page);
      assert.equal(found.modality, "notes");
      assert.equal(found.titles[0], TITLE);
      assert.match(found.summary, /^Searched by notes \(typed notes, read as abc\) in \d+ ms/);
      assert.match(
        await page.$eval("#find-list li figcaption", (c) => c.textContent!),
        /^Best match: measures 1–4, \d+\u00a0% similar$/,
      );
      await loadedImages(page, "#find-list img");
      await page.screenshot({ path: `${shots}/find-notes.png`, fullPage: true });
    });

    await t.step("Find: a WAV file of the tune finds the reel among the first three", async () => {
      await (await page.$("input#find-audio"))!.uploadFile(recording);
      const found = await searched(page);
      assert.equal(found.modality, "audio");
      assert.match(found.summary, /read as wav/);
      assert.ok(found.titles.slice(0, 3).includes(TITLE), found.titles.join(", "));
      await loadedImages(page, "#find-list img");
    });

    await t.step("Find: the microphone's recording is sent as WAV and finds the reel", async () => {
      await page.click("#record");
      // As long as the file: the loop may start anywhere in it, all of it is heard once.
      await page.waitForFunction(
        (seconds) => {
          const status = document.getElementById("record-status")!.textContent!;
          return Number(/Recording… (\d+) s/.exec(status)?.[1]) >= seconds;
        },
        { timeout: 30_000 },
        Math.ceil(RECORDED_SECONDS),
      );
      await page.click("#record-stop");
      const found = await searched(page);
      assert.equal(found.modality, "audio");
      assert.match(found.summary, /^Searched by a recording \([\d.]+ s recorded, read as wav\)/);
      assert.ok(found.titles.slice(0, 3).includes(TITLE), found.titles.join(", "));
      await loadedImages(page, "#find-list img");
      await page.screenshot({ path: `${shots}/find-recording.png`, fullPage: true });
    });

    await t.step("Find: a text file as the photo shows the 415 problem", async () => {
      const text = `${dir}/notes.txt`;
      await Deno.writeTextFile(text, "not a picture of music");
      await (await page.$("input#find-image"))!.uploadFile(text);
      await page.waitForSelector("#find-error:not([hidden])");
      const error = await shownError(page, "#find-error");
      assert.equal(error?.title, "Unsupported Media Type");
      assert.match(error!.detail!, /^Unsupported file/);
    });

    await t.step("Write: a melody engraved, the classifier's verdict beside it", async () => {
      await openFlow(page, "write");
      await page.waitForFunction(() =>
        !(document.getElementById("generate") as HTMLButtonElement).disabled
      );
      const genres = await page.$$eval("#genre option", (os) => os.map((o) => o.textContent));
      assert.ok(genres.includes("irish-folk"), genres.join(", "));
      // Choosing a genre puts its calibrated default guidance in the field.
      const listed = (await (await fetch(`${base}/v1/genres`)).json()).genres;
      for (const genre of ["classical", "irish-folk"]) {
        await page.select("#genre", genre);
        const field = await page.$eval("#guidance", (input) => (input as HTMLInputElement).value);
        const want = listed.find((g: { id: string }) => g.id === genre).guidance;
        assert.equal(Number(field), want, genre);
      }
      await page.$eval("#seed", (input) => ((input as HTMLInputElement).value = "42"));
      await page.$eval("#guidance", (input) => ((input as HTMLInputElement).value = "3"));
      await page.click("#generate");
      await page.waitForSelector("#verdict:not([hidden])", { timeout: 120_000 });
      await idle(page, "write-busy");
      assert.equal(await shownError(page, "#write-error"), null);
      assert.equal(await page.$eval("#write-result", (s) => (s as HTMLElement).dataset.seed), "42");
      assert.match(
        await page.$eval("#write-about", (p) => p.textContent!),
        /^8 measures of irish-folk in \S+, .+; seed 42 writes it again\./,
      );
      const verdict = await page.$$eval(
        "#verdict-list li",
        (items) => items.map((li) => li.textContent!),
      );
      assert.ok(verdict.length >= 2);
      for (const line of verdict) assert.match(line, /^[a-z-]+ \d+\u00a0%$/);
      assert.match(await page.$eval("#verdict-best", (p) => p.textContent!), /^It sounds /);
      const [width] = await loadedImages(page, "#write-render");
      assert.ok(width! > 200);
      await page.screenshot({ path: `${shots}/write.png`, fullPage: true });
    });

    await t.step("Write: Play and Stop, and the MIDI download of the same seed", async () => {
      await page.click("#write-play");
      await page.waitForFunction(() =>
        !(document.getElementById("write-stop") as HTMLButtonElement).disabled
      );
      await page.click("#write-stop");
      await page.waitForFunction(() =>
        (document.getElementById("write-stop") as HTMLButtonElement).disabled
      );
      const downloads = `${dir}/downloads`;
      await Deno.mkdir(downloads);
      const cdp = await app.browser.target().createCDPSession();
      await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
      await page.click('#write-downloads a[data-format="midi"]');
      const midi = await downloaded(`${downloads}/melody.mid`);
      const api = await fetch(`${base}/v1/generate?format=midi`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          genre: "irish-folk",
          measures: 8,
          temperature: 1,
          guidance: 3,
          seed: 42,
        }),
      });
      assert.deepEqual(midi, await api.bytes(), "the page asked for guidance 3");
    });

    await t.step("a phone-sized screen needs no sideways scrolling in any flow", async () => {
      // A page of its own: turning on a mobile viewport reloads the page.
      const phone = await app.newPage();
      await phone.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
      for (const flow of ["read", "find", "write", "library"]) {
        await phone.goto(`${base}/?${flow}#${flow}`, { waitUntil: "networkidle0" });
        const overflow = await phone.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        assert.equal(overflow, 0, flow);
      }
      await phone.goto(`${base}/#find`, { waitUntil: "networkidle0" });
      await phone.type("#find-notes", TYPED);
      await phone.click("#find-notes-go");
      assert.equal((await searched(phone)).titles[0], TITLE);
      await loadedImages(phone, "#find-list img");
      await phone.screenshot({ path: `${shots}/find-phone.png`, fullPage: true });
      await phone.close();
    });

    await t.step("Library: the key is kept for the tab; Delete removes the score", async () => {
      await page.reload({ waitUntil: "networkidle0" });
      assert.equal(await page.$eval("#api-key", (i) => (i as HTMLInputElement).value), API_KEY);
      await openFlow(page, "library");
      await idle(page, "library-busy");
      await page.click(`#library-list li[data-score-id="${scoreId}"] button`);
      await page.waitForSelector("#score-view:not([hidden])");
      await idle(page, "library-busy");
      await page.click("#score-delete");
      await page.waitForSelector("#score-view[hidden]");
      await idle(page, "library-busy");
      assert.equal(await shownError(page, "#library-error"), null);
      assert.equal(await page.$eval("#upload-done", (p) => p.textContent), `Deleted “${TITLE}”.`);
      const titles = await page.$$eval(
        "#library-list button",
        (bs) => bs.map((b) => b.textContent),
      );
      assert.ok(!titles.includes(TITLE));
      assert.equal((await fetch(`${base}/v1/scores/${scoreId}`)).status, 404);
    });

    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});
