/// <reference lib="dom" />
/**
 * The Write flow: pick a genre, a length, a temperature, the genre guidance and maybe a seed; the
 * generator writes a melody, shown engraved with the classifier's verdict on it beside; play it,
 * download it.
 *
 * @module
 */
import { ProblemError } from "./api.ts";
import { Player } from "./player.ts";
import { busyWith, element, ErrorBox, lazyDownloads, ObjectUrls, percent } from "./ui.ts";
import {
  classify,
  generate,
  generatedScore,
  type GenerateRequest,
  type Generation,
  type Genre,
  listGenres,
  type Verdict,
} from "./write_api.ts";

/** A key in fifths, named by its major key (the generator's keys are signatures). */
function keyName(fifths: number): string {
  const majors = [
    "C♭",
    "G♭",
    "D♭",
    "A♭",
    "E♭",
    "B♭",
    "F",
    "C",
    "G",
    "D",
    "A",
    "E",
    "B",
    "F♯",
    "C♯",
  ];
  const flats = fifths < 0 ? `${-fifths} ♭` : fifths > 0 ? `${fifths} ♯` : "no sharps or flats";
  return `${majors[fifths + 7] ?? fifths} major or its relative minor (${flats})`;
}

/** Wires the Write flow's part of the page; `shown()` loads the genres the first time. */
export function startWrite(): { shown(): void } {
  const ui = {
    form: element<HTMLFormElement>("write-form"),
    genre: element<HTMLSelectElement>("genre"),
    genreAbout: element("genre-about"),
    measures: element<HTMLInputElement>("measures"),
    temperature: element<HTMLInputElement>("temperature"),
    guidance: element<HTMLInputElement>("guidance"),
    seed: element<HTMLInputElement>("seed"),
    submit: element<HTMLButtonElement>("generate"),
    busy: element("write-busy"),
    result: element("write-result"),
    about: element("write-about"),
    render: element<HTMLImageElement>("write-render"),
    verdict: element("verdict"),
    verdictBest: element("verdict-best"),
    verdictList: element<HTMLOListElement>("verdict-list"),
    downloads: element("write-downloads"),
  };
  const errors = new ErrorBox("write-error");
  const urls = new ObjectUrls();
  const player = new Player(
    element("write-play"),
    element("write-stop"),
    (error) => errors.show(error),
  );
  let request: (GenerateRequest & { seed: number }) | undefined;
  const downloads = lazyDownloads(
    ui.downloads,
    urls,
    (format) => generatedScore(request!, format),
    errors,
  );
  const known = new Map<string, Genre>();

  /** Shows the chosen genre's description and puts its default guidance in the field. */
  function chosen() {
    const genre = known.get(ui.genre.value);
    ui.genreAbout.textContent = genre?.description ?? "";
    ui.guidance.value = String(genre?.guidance ?? 0);
  }

  async function loadGenres() {
    const genres = (await listGenres()).filter((genre) => genre.generate);
    if (genres.length === 0) {
      throw new ProblemError("No genres", "The server's generator lists no genre to write in");
    }
    ui.genre.replaceChildren(...genres.map((genre) => {
      known.set(genre.id, genre);
      return new Option(genre.id, genre.id);
    }));
    chosen();
    ui.submit.disabled = false;
  }

  function showVerdict(verdict: Verdict, genre: string) {
    ui.verdict.dataset.best = verdict.best;
    ui.verdictBest.textContent = verdict.best === genre
      ? `It sounds like ${verdict.best}, as asked.`
      : `It sounds most like ${verdict.best}, not ${genre}.`;
    ui.verdictList.replaceChildren(...verdict.genres.map(({ genre, probability }) => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = `${genre} ${percent(probability)}`;
      const meter = document.createElement("meter");
      meter.min = 0;
      meter.max = 1;
      meter.value = probability;
      meter.setAttribute("aria-hidden", "true"); // the label says it in words
      item.append(label, meter);
      return item;
    }));
    ui.verdict.hidden = false;
  }

  async function write() {
    const seed = ui.seed.value.trim() === "" ? undefined : Number(ui.seed.value);
    const asked: GenerateRequest = {
      genre: ui.genre.value,
      measures: Number(ui.measures.value),
      temperature: Number(ui.temperature.value),
      guidance: Number(ui.guidance.value),
      ...(seed === undefined ? {} : { seed }),
    };
    const line: Generation = await generate(asked);
    request = { ...asked, seed: line.seed };
    player.stop();
    urls.revoke();
    downloads.reset();
    player.tokens = line.semantic;
    ui.render.removeAttribute("src");
    ui.verdict.hidden = true;
    ui.result.hidden = false;
    const early = line.finish === "measures" ? "" : ` (ended early: ${line.finish})`;
    ui.about.textContent = `${line.measures} measures of ${line.genre} in ${line.meter}, ` +
      `${keyName(line.key)}${early}; seed ${line.seed} writes it again. ` +
      `Written in ${Math.round(line.timing.generateMs)} ms by ${line.model.name} ` +
      `${line.model.version}.`;
    ui.result.dataset.seed = String(line.seed);
    const [svg, verdict] = await Promise.allSettled([
      generatedScore(request, "svg"),
      classify(line.tokens),
    ]);
    if (svg.status === "fulfilled") ui.render.src = urls.create(svg.value);
    else errors.show(svg.reason);
    if (verdict.status === "fulfilled") showVerdict(verdict.value, line.genre);
    else errors.show(verdict.reason);
  }

  ui.genre.addEventListener("change", chosen);
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault(); // the page does the request; the CSP allows no form navigation
    busyWith(ui.busy, errors, [ui.submit], "Writing a melody…", write);
  });
  ui.submit.disabled = true;
  let loaded = false;
  return {
    shown() {
      if (loaded) return;
      loaded = true;
      busyWith(ui.busy, errors, [], "Loading the genres…", loadGenres)
        .then(() => (loaded = !ui.submit.disabled)); // a failed load is tried again next time
    },
  };
}
