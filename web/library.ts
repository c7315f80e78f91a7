/// <reference lib="dom" />
/**
 * The Library flow: list the indexed scores, view one (its facts and first excerpt engraved),
 * upload a score file and delete one. Writes need an API key, kept in this tab's
 * `sessionStorage` only and sent as `Authorization: Bearer`.
 *
 * @module
 */
import {
  deleteScore,
  excerptSvgUrl,
  getScore,
  listScores,
  type ScoreDetail,
  type ScoreSummary,
  uploadScore,
} from "./library_api.ts";
import { busyWith, element, ErrorBox } from "./ui.ts";

/** Where the key is kept: gone when the tab closes, never sent anywhere but this service. */
const KEY_ITEM = "stave.apiKey";

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${Math.ceil(bytes / 1024)} KB`;
}

/** The facts of a score as `dt`/`dd` pairs. */
function facts(score: ScoreDetail): HTMLElement[] {
  const pairs: [string, string][] = [
    ...Object.entries(score.metadata),
    ["status", score.job?.error ? `${score.status}: ${score.job.error}` : score.status],
    ["format", `${score.format ?? "unknown"}, ${size(score.bytes)}`],
    ["excerpts", String(score.excerptCount)],
    ["added", new Date(score.createdAt).toLocaleString()],
  ];
  return pairs.flatMap(([name, value]) => {
    const term = document.createElement("dt");
    term.textContent = name;
    const detail = document.createElement("dd");
    detail.textContent = value;
    return [term, detail];
  });
}

/** Wires the Library flow's part of the page; `shown()` refreshes the list. */
export function startLibrary(): { shown(): void } {
  const ui = {
    key: element<HTMLInputElement>("api-key"),
    keyForget: element<HTMLButtonElement>("key-forget"),
    form: element<HTMLFormElement>("upload-form"),
    file: element<HTMLInputElement>("upload-file"),
    title: element<HTMLInputElement>("upload-title"),
    composer: element<HTMLInputElement>("upload-composer"),
    submit: element<HTMLButtonElement>("upload-submit"),
    busy: element("library-busy"),
    done: element("upload-done"),
    refresh: element<HTMLButtonElement>("library-refresh"),
    list: element<HTMLUListElement>("library-list"),
    more: element<HTMLButtonElement>("library-more"),
    view: element("score-view"),
    viewTitle: element("score-title"),
    viewFacts: element("score-facts"),
    viewExcerpt: element<HTMLImageElement>("score-excerpt"),
    viewDelete: element<HTMLButtonElement>("score-delete"),
  };
  const errors = new ErrorBox("library-error");
  let cursor: string | null = null;
  let viewed: ScoreDetail | undefined;

  ui.key.value = sessionStorage.getItem(KEY_ITEM) ?? "";
  ui.key.addEventListener("input", () => {
    const key = ui.key.value.trim();
    if (key === "") sessionStorage.removeItem(KEY_ITEM);
    else sessionStorage.setItem(KEY_ITEM, key);
  });
  ui.keyForget.addEventListener("click", () => {
    ui.key.value = "";
    sessionStorage.removeItem(KEY_ITEM);
  });

  function listItem(score: ScoreSummary): HTMLLIElement {
    const item = document.createElement("li");
    item.dataset.scoreId = score.id;
    const open = document.createElement("button");
    open.type = "button";
    open.className = "link";
    open.textContent = score.title;
    open.addEventListener("click", () => run("Opening the score…", () => view(score.id)));
    const about = document.createElement("span");
    about.className = "hint";
    const composer = score.metadata.composer ? `${score.metadata.composer} · ` : "";
    about.textContent = ` ${composer}${score.status}, ${score.excerptCount} excerpts`;
    item.append(open, about);
    return item;
  }

  async function load(more: boolean) {
    const page = await listScores(more ? cursor ?? undefined : undefined);
    const items = page.scores.map(listItem);
    if (more) ui.list.append(...items);
    else ui.list.replaceChildren(...items);
    if (ui.list.childElementCount === 0) {
      const empty = document.createElement("li");
      empty.textContent = "No scores yet: upload one above.";
      ui.list.append(empty);
    }
    cursor = page.nextCursor;
    ui.more.hidden = cursor === null;
  }

  async function view(id: string) {
    const score = await getScore(id);
    viewed = score;
    ui.view.dataset.scoreId = score.id;
    ui.viewTitle.textContent = score.title;
    ui.viewFacts.replaceChildren(...facts(score));
    ui.viewExcerpt.hidden = score.excerptCount === 0;
    if (score.excerptCount > 0) {
      ui.viewExcerpt.alt = `The first excerpt of ${score.title}, engraved`;
      ui.viewExcerpt.src = excerptSvgUrl(score.id, 0);
    }
    ui.view.hidden = false;
    ui.viewTitle.focus();
  }

  async function upload() {
    const file = ui.file.files?.[0];
    if (file === undefined) return; // the input is required: the browser says so
    const composer = ui.composer.value.trim();
    const score = await uploadScore(
      file,
      ui.title.value.trim(),
      composer === "" ? {} : { composer },
      ui.key.value.trim(),
    );
    ui.done.textContent = `Stored “${score.title}”: ${score.status}, ` +
      `${score.excerptCount} excerpts to search.`;
    ui.form.reset();
    await load(false);
    await view(score.id);
  }

  async function remove() {
    if (viewed === undefined) return;
    const score = viewed;
    if (!confirm(`Delete “${score.title}” from the library, for everyone?`)) return;
    await deleteScore(score.id, ui.key.value.trim());
    viewed = undefined;
    ui.view.hidden = true;
    ui.done.textContent = `Deleted “${score.title}”.`;
    await load(false);
  }

  const controls = [ui.submit, ui.refresh, ui.more, ui.viewDelete];
  const run = (message: string, task: () => Promise<void>) =>
    busyWith(ui.busy, errors, controls, message, task);

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault(); // the page does the request; the CSP allows no form navigation
    ui.done.textContent = "";
    run("Uploading and indexing…", upload);
  });
  ui.refresh.addEventListener("click", () => run("Loading the scores…", () => load(false)));
  ui.more.addEventListener("click", () => run("Loading more scores…", () => load(true)));
  ui.viewDelete.addEventListener("click", () => run("Deleting…", remove));
  ui.viewExcerpt.addEventListener("error", () => (ui.viewExcerpt.hidden = true));
  return { shown: () => run("Loading the scores…", () => load(false)) };
}
