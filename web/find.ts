/// <reference lib="dom" />
/**
 * The Find flow: search the library by a photo of a staff, by a recording (from the microphone,
 * or a WAV file) or by typed ABC notes, and list the nearest scores with their similarity and
 * their best matching measures engraved.
 *
 * @module
 */
import { abcTune } from "./abc.ts";
import { ProblemError } from "./api.ts";
import {
  excerptSvgUrl,
  type SearchAnswer,
  searchLibrary,
  type SearchResult,
} from "./library_api.ts";
import { type Recording, startRecording } from "./recorder.ts";
import { busyWith, element, ErrorBox, percent } from "./ui.ts";

/** Longest recording: 30 s is plenty to find a tune and stays far below the body limit. */
const MAX_RECORDING_SECONDS = 30;

const MODALITIES: Record<string, string> = {
  notes: "notes",
  audio: "a recording",
  sheet: "a photo of a staff",
};

function measures(first: number, last: number): string {
  return first === last ? `measure ${first}` : `measures ${first}–${last}`;
}

/** One result: title, metadata, similarity, and its best excerpt engraved. */
function resultItem(result: SearchResult): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.scoreId = result.scoreId;
  const title = document.createElement("h3");
  title.textContent = result.title;
  const about = document.createElement("p");
  about.className = "hint";
  const fields = Object.entries(result.metadata).map(([name, value]) => `${name}: ${value}`);
  about.textContent = [`${percent(result.similarity)} similar`, ...fields].join(" · ");
  item.append(title, about);
  const [best, ...others] = result.excerpts;
  if (best !== undefined) {
    const figure = document.createElement("figure");
    const image = document.createElement("img");
    const where = measures(best.firstMeasure, best.lastMeasure);
    image.alt = `The best match, ${where} of ${result.title}, engraved`;
    image.src = excerptSvgUrl(result.scoreId, best.position);
    image.addEventListener("error", () => {
      figure.replaceChildren(document.createTextNode(`Cannot engrave ${where}.`));
    });
    const caption = document.createElement("figcaption");
    caption.textContent = `Best match: ${where}, ${percent(best.similarity)} similar`;
    figure.append(image, caption);
    item.append(figure);
  }
  if (others.length > 0) {
    const more = document.createElement("p");
    more.className = "hint";
    more.textContent = "Also close: " +
      others.map((e) => `${measures(e.firstMeasure, e.lastMeasure)} (${percent(e.similarity)})`)
        .join(", ");
    item.append(more);
  }
  return item;
}

/** Wires the Find flow's part of the page. */
export function startFind(): void {
  const ui = {
    image: element<HTMLInputElement>("find-image"),
    camera: element<HTMLInputElement>("find-camera"),
    audio: element<HTMLInputElement>("find-audio"),
    record: element<HTMLButtonElement>("record"),
    recordStop: element<HTMLButtonElement>("record-stop"),
    recordStatus: element("record-status"),
    notes: element<HTMLTextAreaElement>("find-notes"),
    notesGo: element<HTMLButtonElement>("find-notes-go"),
    busy: element("find-busy"),
    results: element("find-results"),
    summary: element("find-summary"),
    list: element<HTMLOListElement>("find-list"),
  };
  const errors = new ErrorBox("find-error");
  const buttons = [ui.record, ui.notesGo, ui.image, ui.camera, ui.audio];
  let recording: Recording | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;

  function show(answer: SearchAnswer, query: string, ms: number) {
    ui.results.dataset.modality = answer.modality;
    ui.summary.textContent = `Searched by ${MODALITIES[answer.modality] ?? answer.modality} ` +
      `(${query}, read as ${answer.input}) in ${ms} ms with ${answer.model.name} ` +
      `${answer.model.version}.`;
    ui.list.replaceChildren(...answer.results.map(resultItem));
    if (answer.results.length === 0) {
      const empty = document.createElement("li");
      empty.textContent = "No indexed score yet: add some in the Library.";
      ui.list.append(empty);
    }
    ui.results.hidden = false;
  }

  function search(file: File, query: string) {
    return busyWith(ui.busy, errors, buttons, "Searching the library…", async () => {
      const t0 = performance.now();
      const answer = await searchLibrary(file);
      show(answer, query, Math.round(performance.now() - t0));
    });
  }

  function searchChosen(input: HTMLInputElement, what: string) {
    const file = input.files?.[0];
    input.value = ""; // choosing the same file again searches again
    if (file !== undefined) search(file, `${what} ${file.name}`);
  }

  async function stopRecording() {
    clearInterval(ticker);
    const current = recording;
    recording = undefined;
    ui.recordStop.disabled = true;
    if (current === undefined) return;
    const seconds = current.seconds().toFixed(1);
    ui.recordStatus.textContent = `Recorded ${seconds} s.`;
    const file = await current.stop();
    await search(file, `${seconds} s recorded`);
  }

  async function record() {
    errors.clear();
    try {
      recording = await startRecording();
    } catch (error) {
      errors.show(error);
      return;
    }
    ui.record.disabled = true;
    ui.recordStop.disabled = false;
    ui.recordStatus.textContent = "Recording… play or sing, then stop.";
    ticker = setInterval(() => {
      const seconds = recording?.seconds() ?? 0;
      ui.recordStatus.textContent = `Recording… ${Math.floor(seconds)} s`;
      if (seconds >= MAX_RECORDING_SECONDS) stopRecording();
    }, 250);
  }

  ui.image.addEventListener("change", () => searchChosen(ui.image, "image"));
  ui.camera.addEventListener("change", () => searchChosen(ui.camera, "photo"));
  ui.audio.addEventListener("change", () => searchChosen(ui.audio, "recording"));
  ui.record.addEventListener("click", record);
  ui.recordStop.addEventListener("click", stopRecording);
  ui.notesGo.addEventListener("click", () => {
    const text = ui.notes.value.trim();
    if (text === "") {
      errors.show(new ProblemError("No notes", "Type a few notes first, in ABC: DFAF dFAF|GBdB"));
      return;
    }
    const file = new File([abcTune(text)], "notes.abc", { type: "text/vnd.abc" });
    search(file, "typed notes");
  });
}
