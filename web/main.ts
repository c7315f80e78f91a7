/// <reference lib="dom" />
/**
 * The web app's entry point (bundled to `main.js`): the Read flow. Choose, drop or photograph a
 * staff; read it on the server or on this device; see it engraved again beside the image, with
 * its tokens (the unsure ones marked), its timing and path; play it; download it.
 *
 * @module
 */
import {
  ProblemError,
  type RecognitionAnswer,
  recognizeOnServer,
  type ScoreFormat,
  scoreOnServer,
} from "./api.ts";
import { recognizeOnDevice } from "./on_device.ts";
import { notesOf, play } from "./synth.ts";

/** Tokens whose confidence is below this are marked for checking. */
const LOW_CONFIDENCE = 0.5;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new TypeError(`Missing element #${id} in the page`);
  return found as T;
}

const ui = {
  file: element<HTMLInputElement>("file"),
  camera: element<HTMLInputElement>("camera"),
  drop: element("drop"),
  chosen: element("chosen"),
  readServer: element<HTMLButtonElement>("read-server"),
  readDevice: element<HTMLButtonElement>("read-device"),
  busy: element("busy"),
  error: element("error"),
  result: element("result"),
  path: element("path"),
  inputImage: element<HTMLImageElement>("input-image"),
  engraving: element("engraving"),
  render: element<HTMLImageElement>("render"),
  engravingNote: element("engraving-note"),
  downloads: element("downloads"),
  play: element<HTMLButtonElement>("play"),
  stop: element<HTMLButtonElement>("stop"),
  tokens: element<HTMLOListElement>("tokens"),
  threshold: element("threshold"),
};

let image: File | undefined;
let tokens: string[] = [];
let audio: AudioContext | undefined;
let playing: { stop(): void } | undefined;
/** Object URLs of the shown result, revoked when the next one replaces it. */
let urls: string[] = [];

function objectUrl(blob: Blob): string {
  const url = URL.createObjectURL(blob);
  urls.push(url);
  return url;
}

function choose(file: File | undefined) {
  if (file === undefined) return;
  image = file;
  ui.chosen.textContent = `Chosen: ${file.name} (${Math.ceil(file.size / 1024)} KB).`;
  ui.readServer.disabled = ui.readDevice.disabled = false;
  ui.error.hidden = true;
  ui.result.hidden = true; // it read the previous image
  playing?.stop();
}

function showError(error: unknown) {
  const problem = error instanceof ProblemError
    ? error
    : new ProblemError("Something went wrong", String((error as Error)?.message ?? error));
  ui.error.querySelector(".error-title")!.textContent = problem.title;
  ui.error.querySelector(".error-detail")!.textContent = problem.message;
  ui.error.hidden = false;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}\u00a0%`; // no line break before the sign
}

function showTokens(list: readonly string[], confidence: readonly number[]) {
  tokens = [...list];
  ui.tokens.replaceChildren(...list.map((token, i) => {
    const item = document.createElement("li");
    const value = confidence[i] ?? 0;
    item.dataset.token = token;
    item.dataset.confidence = String(value);
    const code = document.createElement("code");
    code.textContent = token;
    const small = document.createElement("small");
    small.textContent = percent(value);
    item.append(code, small);
    if (value < LOW_CONFIDENCE) {
      item.classList.add("low");
      const note = document.createElement("span");
      note.className = "visually-hidden";
      note.textContent = " (low confidence)";
      item.append(note);
    }
    return item;
  }));
}

/** Clears the previous result and shows the chosen image. */
function startResult(path: string) {
  playing?.stop();
  for (const url of urls) URL.revokeObjectURL(url);
  urls = [];
  ui.result.dataset.path = path;
  ui.inputImage.src = objectUrl(image!);
  ui.render.removeAttribute("src");
  for (const link of ui.downloads.querySelectorAll("a")) link.href = "#";
  ui.result.hidden = false;
}

function stages(t: RecognitionAnswer["timing"]): string {
  const ms = Math.round;
  return `decode ${ms(t.decodeMs)} · preprocess ${ms(t.preprocessMs)} · ` +
    `inference ${ms(t.inferenceMs)} · CTC ${ms(t.ctcMs)} ms`;
}

async function readOnServer(file: File) {
  const t0 = performance.now();
  const answer = await recognizeOnServer(file);
  const total = Math.round(performance.now() - t0);
  startResult("server");
  ui.path.textContent = `Read on the server in ${total} ms (there: ${stages(answer.timing)}), ` +
    `model ${answer.model.name} ${answer.model.version}.`;
  showTokens(answer.semantic?.tokens ?? [], answer.semantic?.confidence ?? []);
  ui.engraving.hidden = ui.downloads.hidden = false;
  ui.engravingNote.hidden = true;
  try {
    ui.render.src = objectUrl(await scoreOnServer(file, "svg"));
  } catch (error) {
    ui.engraving.hidden = true;
    showError(error);
  }
}

async function readOnDevice(file: File) {
  const reading = await recognizeOnDevice(file);
  const { recognition: r } = reading;
  startResult(reading.path);
  const load = reading.loadMs > 0 ? `, after loading the model in ${reading.loadMs} ms` : "";
  const runtime = reading.path === "on-device WebGPU" ? "WebGPU" : "WebAssembly";
  ui.path.textContent = `Read on this device with ${runtime} in ${reading.recognizeMs} ms${load} ` +
    `(${stages(r.timing)}), model ${r.model.name} ${r.model.version}.`;
  showTokens(
    r.semantic?.tokens.map((t) => t.token) ?? [],
    r.semantic?.tokens.map((t) => t.confidence) ?? [],
  );
  ui.engraving.hidden = ui.downloads.hidden = true;
  ui.engravingNote.hidden = false;
}

async function read(how: (file: File) => Promise<void>, label: string) {
  if (image === undefined) return;
  ui.readServer.disabled = ui.readDevice.disabled = true;
  ui.error.hidden = true;
  ui.busy.textContent = label;
  try {
    await how(image);
  } catch (error) {
    showError(error);
  } finally {
    ui.busy.textContent = "";
    ui.readServer.disabled = ui.readDevice.disabled = false;
  }
}

/** A download link fetches its format on first use, then downloads the blob it points to. */
async function download(event: MouseEvent) {
  const link = (event.target as HTMLElement).closest("a");
  if (link === null || image === undefined || link.getAttribute("href") !== "#") return;
  event.preventDefault();
  try {
    link.href = objectUrl(await scoreOnServer(image, link.dataset.format as ScoreFormat));
    link.click();
  } catch (error) {
    showError(error);
  }
}

async function startPlaying() {
  audio ??= new AudioContext();
  await audio.resume();
  playing?.stop();
  const session = play(audio, notesOf(tokens));
  playing = session;
  ui.stop.disabled = false;
  await session.ended;
  if (playing === session) {
    playing = undefined;
    ui.stop.disabled = true;
  }
}

ui.threshold.textContent = percent(LOW_CONFIDENCE);
ui.file.addEventListener("change", () => choose(ui.file.files?.[0]));
ui.camera.addEventListener("change", () => choose(ui.camera.files?.[0]));
ui.drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  ui.drop.classList.add("over");
});
ui.drop.addEventListener("dragleave", () => ui.drop.classList.remove("over"));
ui.drop.addEventListener("drop", (event) => {
  event.preventDefault();
  ui.drop.classList.remove("over");
  choose(event.dataTransfer?.files[0]);
});
ui.readServer.addEventListener("click", () => read(readOnServer, "Reading on the server…"));
ui.readDevice.addEventListener("click", () => read(readOnDevice, "Reading on this device…"));
ui.downloads.addEventListener("click", download);
ui.play.addEventListener("click", () => startPlaying().catch(showError));
ui.stop.addEventListener("click", () => playing?.stop());
