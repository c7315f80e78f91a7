/// <reference lib="dom" />
/**
 * What every flow of the web app shows alike: elements by id, problems in an alert box, busy
 * messages, percentages, object URLs revoked with the result they belong to, and score download
 * links fetched on first use.
 *
 * @module
 */
import { ProblemError, type ScoreFormat } from "./api.ts";

/** The element `id` of the page. @throws {TypeError} when the page lacks it. */
export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new TypeError(`Missing element #${id} in the page`);
  return found as T;
}

/** A flow's alert box (`.error-title` and `.error-detail` inside): a problem's title and detail. */
export class ErrorBox {
  readonly #box: HTMLElement;

  /** Shows problems in the element `id`. */
  constructor(id: string) {
    this.#box = element(id);
  }

  /** Shows `error`: a problem's own title and detail, or the message of anything else. */
  show(error: unknown): void {
    const problem = error instanceof ProblemError
      ? error
      : new ProblemError("Something went wrong", String((error as Error)?.message ?? error));
    this.#box.querySelector(".error-title")!.textContent = problem.title;
    this.#box.querySelector(".error-detail")!.textContent = problem.message;
    this.#box.hidden = false;
  }

  /** Hides the box. */
  clear(): void {
    this.#box.hidden = true;
  }
}

/**
 * Runs `task` with `message` in the status line `busy` and `controls` disabled, showing a
 * failure in `errors`.
 */
export async function busyWith(
  busy: HTMLElement,
  errors: ErrorBox,
  controls: readonly (HTMLButtonElement | HTMLInputElement)[],
  message: string,
  task: () => Promise<void>,
): Promise<void> {
  for (const control of controls) control.disabled = true;
  errors.clear();
  busy.textContent = message;
  try {
    await task();
  } catch (error) {
    errors.show(error);
  } finally {
    busy.textContent = "";
    for (const control of controls) control.disabled = false;
  }
}

/** `value` in [0, 1] as a whole percentage, kept on one line with its sign. */
export function percent(value: number): string {
  return `${Math.round(value * 100)}\u00a0%`;
}

/** Object URLs of one shown result, revoked together when the next result replaces it. */
export class ObjectUrls {
  #urls: string[] = [];

  /** A URL for `blob`, kept until {@linkcode ObjectUrls.revoke}. */
  create(blob: Blob): string {
    const url = URL.createObjectURL(blob);
    this.#urls.push(url);
    return url;
  }

  /** Revokes every URL made since the last call. */
  revoke(): void {
    for (const url of this.#urls) URL.revokeObjectURL(url);
    this.#urls = [];
  }
}

/**
 * Makes the links `a[data-format]` in `container` download their score: on first click each
 * fetches its format with `fetchScore`, then downloads the blob it now points to. `reset()`
 * makes them fetch again (a new result).
 */
export function lazyDownloads(
  container: HTMLElement,
  urls: ObjectUrls,
  fetchScore: (format: ScoreFormat) => Promise<Blob>,
  errors: ErrorBox,
): { reset(): void } {
  container.addEventListener("click", async (event) => {
    const link = (event.target as HTMLElement).closest("a");
    if (link === null || link.getAttribute("href") !== "#") return;
    event.preventDefault();
    try {
      link.href = urls.create(await fetchScore(link.dataset.format as ScoreFormat));
      link.click();
    } catch (error) {
      errors.show(error);
    }
  });
  return {
    reset() {
      for (const link of container.querySelectorAll("a")) link.href = "#";
    },
  };
}
