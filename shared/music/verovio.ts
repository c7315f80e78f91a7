/**
 * @module The one owner of Verovio in Stave: the Humdrum-enabled WASM build, loading, rendering, MEI export.
 */
import createVerovioModule from "verovio/wasm-hum";
import { enableLogToBuffer, VerovioToolkit } from "verovio/esm";

/** Engraving fonts that Verovio 6.3 ships (music glyphs become SVG paths, so no font files are needed). */
export const MUSIC_FONTS = ["Leipzig", "Bravura", "Petaluma", "Leland", "Gootville"] as const;

/** A Verovio engraving font name. */
export type MusicFont = typeof MUSIC_FONTS[number];

/** The toolkit surface Stave uses (the npm types are loose, so the contract is spelled out here). */
export interface Toolkit {
  setOptions(options: Record<string, unknown>): void;
  resetOptions(): void;
  loadData(data: string): boolean;
  loadZipDataBuffer(data: ArrayBuffer): boolean;
  getMEI(options?: Record<string, unknown>): string;
  renderToSVG(page?: number): string;
  /** The loaded score as a Standard MIDI File, base64-encoded. */
  renderToMIDI(): string;
  getLog(): string;
  getVersion(): string;
}

/**
 * Creates a toolkit on a fresh WASM module instance. Stave keeps one per process (see `Verovio`).
 *
 * @example
 * ```ts ignore
 * import { createToolkit } from "./verovio.ts";
 * const tk = await createToolkit();
 * console.log(tk.getVersion());
 * ```
 */
export async function createToolkit(): Promise<Toolkit> {
  const mod = await createVerovioModule();
  // Import warnings go to the toolkit's log buffer (read with getLog), not to the console.
  enableLogToBuffer(1, mod);
  return new VerovioToolkit(mod) as unknown as Toolkit;
}

/**
 * Drops `tk` from Verovio's registry of toolkits, a static array (`VerovioToolkit.instances`) that
 * otherwise keeps every toolkit ever made, with its WASM module and 128 MiB memory, alive for the
 * process. Its `destroy()` would do this too, but it calls into the module (which may have just
 * crashed) and removes by pointer, which toolkits of different modules share.
 */
export function disposeToolkit(tk: Toolkit): void {
  const instances = (VerovioToolkit as unknown as { instances?: unknown[] }).instances;
  const index = instances?.indexOf(tk) ?? -1;
  if (index !== -1) instances!.splice(index, 1);
}

/**
 * Owns one Verovio toolkit. A WASM exception can leave the module's memory inconsistent, so after one
 * the module is thrown away and the next call starts a fresh one.
 */
export class Verovio {
  #tk: Toolkit | undefined;

  private constructor(tk: Toolkit) {
    this.#tk = tk;
  }

  /** Loads the WASM module (0.7-2 s). */
  static async create(): Promise<Verovio> {
    return new Verovio(await createToolkit());
  }

  async #toolkit(): Promise<Toolkit> {
    this.#tk ??= await createToolkit();
    return this.#tk;
  }

  /** Runs `fn` on the toolkit; a WASM exception discards the toolkit and becomes an `Error`. */
  async #run<T>(what: string, fn: (tk: Toolkit) => T): Promise<T> {
    const tk = await this.#toolkit();
    try {
      return fn(tk);
    } catch (e) {
      if (e instanceof VerovioError) {
        if (e.crashed) this.#discard(tk);
        throw e;
      }
      this.#discard(tk);
      throw new VerovioError(
        `Verovio failed to ${what}: ${e instanceof Error ? e.message : "WASM exception"}`,
        true,
      );
    }
  }

  #discard(tk: Toolkit): void {
    disposeToolkit(tk);
    if (this.#tk === tk) this.#tk = undefined;
  }

  /** Loads a score and returns its MEI; see `toMei`. */
  toMei(data: string | Uint8Array, format: SourceFormat): Promise<string> {
    return this.#run(`load ${format}`, (tk) => toMei(tk, data, format));
  }

  /** Renders one staff of MEI to SVG; see `renderStaffSvg`. */
  renderStaffSvg(mei: string, layout: StaffLayout): Promise<string> {
    return this.#run("render MEI", (tk) => renderStaffSvg(tk, mei, layout));
  }

  /** Plays MEI as a Standard MIDI File; see `meiToMidi`. */
  toMidi(mei: string): Promise<Uint8Array<ArrayBuffer>> {
    return this.#run("render MIDI", (tk) => meiToMidi(tk, mei));
  }

  /** MEI of the last loaded or rendered document, as Verovio re-encodes it. */
  getMEI(): Promise<string> {
    return this.#run("export MEI", (tk) => tk.getMEI({}));
  }
}

let shared: Promise<Verovio> | undefined;

/** The process's one Verovio for answers, created on first use; a failed start is retried. */
export function sharedVerovio(): Promise<Verovio> {
  shared ??= Verovio.create().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** Verovio refused or crashed on an input; `crashed` means the WASM module threw and was discarded. */
export class VerovioError extends Error {
  /** True when Verovio threw a WASM exception (not just refused the input). */
  crashed: boolean;
  constructor(message: string, crashed: boolean) {
    super(message);
    this.name = "VerovioError";
    this.crashed = crashed;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : "WASM exception";
}

/** Source formats Verovio reads for Stave. */
export type SourceFormat = "abc" | "humdrum" | "musicxml" | "mxl" | "mei";

/**
 * Loads a score into the toolkit and returns its MEI, or throws an `Error` naming why Verovio refused it.
 * Loading is done without page layout (`breaks: none`) because only the encoding is wanted.
 */
export function toMei(tk: Toolkit, data: string | Uint8Array, format: SourceFormat): string {
  tk.resetOptions();
  tk.setOptions({ breaks: "none", inputFrom: format === "mxl" ? "auto" : format });
  let ok: boolean;
  try {
    if (format === "mxl") {
      if (typeof data === "string") throw new TypeError("Invalid .mxl input: expected bytes");
      const copy = new Uint8Array(data);
      ok = tk.loadZipDataBuffer(copy.buffer);
    } else {
      ok = tk.loadData(typeof data === "string" ? data : new TextDecoder().decode(data));
    }
  } catch (e) {
    throw new VerovioError(`Verovio failed to load ${format}: ${errorText(e)}`, true);
  }
  if (!ok) {
    throw new VerovioError(
      `Verovio could not read ${format}: ${tk.getLog().trim().slice(0, 200)}`,
      false,
    );
  }
  return tk.getMEI({});
}

/** Loads MEI and returns it as a Standard MIDI File (Verovio's default tempo, 120 quarters a minute). */
export function meiToMidi(tk: Toolkit, mei: string): Uint8Array<ArrayBuffer> {
  tk.resetOptions();
  tk.setOptions({ breaks: "none", inputFrom: "mei" });
  loadMei(tk, mei);
  const base64 = tk.renderToMIDI();
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/**
 * Loads MEI; callers set `inputFrom: "mei"`: after an ABC load, detecting the format again
 * (`auto`) makes Verovio 6.3 call a null function in WASM.
 */
function loadMei(tk: Toolkit, mei: string): void {
  let ok: boolean;
  try {
    ok = tk.loadData(mei);
  } catch (e) {
    throw new VerovioError(`Verovio failed to load MEI: ${errorText(e)}`, true);
  }
  if (!ok) {
    throw new VerovioError(
      `Verovio could not read MEI: ${tk.getLog().trim().slice(0, 200)}`,
      false,
    );
  }
}

/** Layout options for rendering one staff as one system with no page furniture. */
export interface StaffLayout {
  font: MusicFont;
  /** Verovio scale in percent (staff space in SVG units depends on it). */
  scale: number;
  spacingLinear: number;
  spacingNonLinear: number;
  /** Page margins in MEI units (tenths of a staff space * 10). */
  marginX: number;
  marginY: number;
}

/** Renders MEI to one-page SVG with a single system cropped to the music. */
export function renderStaffSvg(tk: Toolkit, mei: string, layout: StaffLayout): string {
  tk.resetOptions();
  tk.setOptions({
    breaks: "none",
    inputFrom: "mei",
    adjustPageWidth: true,
    adjustPageHeight: true,
    header: "none",
    footer: "none",
    pageWidth: 60000,
    font: layout.font,
    scale: layout.scale,
    spacingLinear: layout.spacingLinear,
    spacingNonLinear: layout.spacingNonLinear,
    pageMarginLeft: layout.marginX,
    pageMarginRight: layout.marginX,
    pageMarginTop: layout.marginY,
    pageMarginBottom: layout.marginY,
    svgViewBox: true,
    svgRemoveXlink: true,
  });
  loadMei(tk, mei);
  return tk.renderToSVG(1);
}
