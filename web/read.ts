/// <reference lib="dom" />
/**
 * The Read flow: choose, drop or photograph a staff; read it on the server or on this device;
 * see it engraved again beside the image, with its tokens (the unsure ones marked), its timing
 * and path; play it; download it.
 *
 * @module
 */
import { type RecognitionAnswer, recognizeOnServer, scoreOnServer } from "./api.ts";
import { recognizeOnDevice } from "./on_device.ts";
import { Player } from "./player.ts";
import { busyWith, element, ErrorBox, lazyDownloads, ObjectUrls, percent } from "./ui.ts";

/** Tokens whose confidence is below this are marked for checking. */
const LOW_CONFIDENCE = 0.5;

function stages(t: RecognitionAnswer["timing"]): string {
  const ms = Math.round;
  return `decode ${ms(t.decodeMs)} · preprocess ${ms(t.preprocessMs)} · ` +
    `inference ${ms(t.inferenceMs)} · CTC ${ms(t.ctcMs)} ms`;
}

/** Wires the Read flow's part of the page. */
export function startRead(): void {
  const ui = {
    file: element<HTMLInputElement>("file"),
    camera: element<HTMLInputElement>("camera"),
    drop: element("drop"),
    chosen: element("chosen"),
    readServer: element<HTMLButtonElement>("read-server"),
    readDevice: element<HTMLButtonElement>("read-device"),
    busy: element("busy"),
    result: element("result"),
    path: element("path"),
    inputImage: element<HTMLImageElement>("input-image"),
    engraving: element("engraving"),
    render: element<HTMLImageElement>("render"),
    engravingNote: element("engraving-note"),
    downloads: element("downloads"),
    tokens: element<HTMLOListElement>("tokens"),
    threshold: element("threshold"),
  };
  const errors = new ErrorBox("error");
  const urls = new ObjectUrls();
  const player = new Player(
    element("play"),
    element("stop"),
    (error) => errors.show(error),
  );
  let image: File | undefined;
  const downloads = lazyDownloads(
    ui.downloads,
    urls,
    (format) => scoreOnServer(image!, format),
    errors,
  );

  function choose(file: File | undefined) {
    if (file === undefined) return;
    image = file;
    ui.chosen.textContent = `Chosen: ${file.name} (${Math.ceil(file.size / 1024)} KB).`;
    ui.readServer.disabled = ui.readDevice.disabled = false;
    errors.clear();
    ui.result.hidden = true; // it read the previous image
    player.stop();
  }

  function showTokens(list: readonly string[], confidence: readonly number[]) {
    player.tokens = [...list];
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
    player.stop();
    urls.revoke();
    ui.result.dataset.path = path;
    ui.inputImage.src = urls.create(image!);
    ui.render.removeAttribute("src");
    downloads.reset();
    ui.result.hidden = false;
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
      ui.render.src = urls.create(await scoreOnServer(file, "svg"));
    } catch (error) {
      ui.engraving.hidden = true;
      errors.show(error);
    }
  }

  async function readOnDevice(file: File) {
    const reading = await recognizeOnDevice(file);
    const { recognition: r } = reading;
    startResult(reading.path);
    const load = reading.loadMs > 0 ? `, after loading the model in ${reading.loadMs} ms` : "";
    const runtime = reading.path === "on-device WebGPU" ? "WebGPU" : "WebAssembly";
    ui.path.textContent =
      `Read on this device with ${runtime} in ${reading.recognizeMs} ms${load} ` +
      `(${stages(r.timing)}), model ${r.model.name} ${r.model.version}.`;
    showTokens(
      r.semantic?.tokens.map((t) => t.token) ?? [],
      r.semantic?.tokens.map((t) => t.confidence) ?? [],
    );
    ui.engraving.hidden = ui.downloads.hidden = true;
    ui.engravingNote.hidden = false;
  }

  function read(how: (file: File) => Promise<void>, label: string) {
    if (image === undefined) return;
    const file = image;
    return busyWith(ui.busy, errors, [ui.readServer, ui.readDevice], label, () => how(file));
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
}
