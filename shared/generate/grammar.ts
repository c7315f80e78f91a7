/**
 * @module The melody grammar as a state machine over a model's vocabulary: which token may come
 * next, so that every sampled line is well-formed (a header, then whole measures).
 */
import { type MelodyToken, meterTicks, parseMelodyToken } from "../music/melody_tokens.ts";

/** What a line must be: its length in measures and, optionally, its key and meter. */
export interface GrammarOptions {
  /** Measures (bars) the line ends after; a pickup counts as one. */
  readonly measures: number;
  /** Fifths of the key the line must take (`key:<fifths>` must be in the vocabulary). */
  readonly key?: number;
  /** Meter the line must take (`meter:<meter>` must be in the vocabulary). */
  readonly meter?: string;
}

type Phase = "key" | "meter" | "events" | "done";

/**
 * The grammar of one line after `<bos>`: `key:*`, then `meter:*`, then notes (`n:*`) and rests,
 * each with one duration `d:*` that fits what is left of the measure, an optional `tie` right
 * after a note's duration (the next note then repeats its pitch), and `bar` when the measure is
 * full, or in the first measure after at least one event (a pickup). A measure of rests alone
 * never follows another: a voice of the polyphonic styles may rest for many measures, and a line
 * that learned that from them could otherwise be silent throughout. It ends after `measures`
 * bars; `<pad>` and `<bos>` never come.
 *
 * @example
 * ```ts
 * import { MelodyGrammar } from "./grammar.ts";
 * const vocabulary = ["<pad>", "<bos>", "key:0", "meter:2/4", "bar", "tie", "rest", "n:C5", "d:half", "d:quarter"];
 * const grammar = new MelodyGrammar(vocabulary, { measures: 1 });
 * for (const token of ["key:0", "meter:2/4", "n:C5"]) grammar.accept(vocabulary.indexOf(token));
 * console.assert(grammar.reason(vocabulary.indexOf("d:half")) === undefined);
 * console.assert(grammar.mask()[vocabulary.indexOf("bar")] === 0);
 * ```
 */
export class MelodyGrammar {
  readonly #vocabulary: readonly string[];
  readonly #parsed: readonly (MelodyToken | undefined)[];
  readonly #options: GrammarOptions;
  /** `#fillable[t]`: some sum of the vocabulary's durations is exactly `t` ticks. */
  readonly #fillable: boolean[];
  /** `#splittable[t]`: `t` ticks can take a duration shorter than `t`, the rest still fillable. */
  readonly #splittable: boolean[];
  #phase: Phase = "key";
  #measureTicks = 0;
  #filled = 0;
  #events = 0;
  #bars = 0;
  /** The measure so far has a note. */
  #sounding = false;
  /** The last complete measure held rests alone. */
  #silentBefore = false;
  #pending: "note" | "rest" | undefined;
  #pendingNote = -1;
  /** The note whose duration was the last token (a tie may follow), else -1. */
  #lastNote = -1;
  /** After a tie, the note that must come next, else -1. */
  #tiedTo = -1;

  /** A fresh line (just after `<bos>`) over `vocabulary` (token strings, index = id). */
  constructor(vocabulary: readonly string[], options: GrammarOptions) {
    if (!Number.isInteger(options.measures) || options.measures < 1) {
      throw new RangeError(`Invalid measures ${options.measures}: expected an integer >= 1`);
    }
    for (const forced of [`key:${options.key}`, `meter:${options.meter}`]) {
      if (!forced.endsWith(":undefined") && !vocabulary.includes(forced)) {
        throw new RangeError(`Cannot force "${forced}": the vocabulary lacks it`);
      }
    }
    this.#vocabulary = vocabulary;
    this.#options = options;
    this.#parsed = vocabulary.map((token) => {
      try {
        return parseMelodyToken(token);
      } catch {
        return undefined;
      }
    });
    const durations = this.#parsed.flatMap((t) => t?.kind === "duration" ? [t.ticks] : []);
    const longest = Math.max(
      0,
      ...this.#parsed.map((t) => t?.kind === "meter" ? meterTicks(t.meter) ?? 0 : 0),
      options.meter === undefined ? 0 : meterTicks(options.meter) ?? 0,
    );
    this.#fillable = [true];
    this.#splittable = [false];
    for (let t = 1; t <= longest; t++) {
      this.#fillable[t] = durations.some((d) => d <= t && this.#fillable[t - d]);
      this.#splittable[t] = durations.some((d) => d < t && this.#fillable[t - d]);
    }
  }

  /** The measure has no note yet and may not end silent: the one before it was. */
  get #mustSound(): boolean {
    return this.#silentBefore && !this.#sounding;
  }

  /** Whether the line has all its measures. */
  get done(): boolean {
    return this.#phase === "done";
  }

  /** Bars so far. */
  get bars(): number {
    return this.#bars;
  }

  /** Why token `id` may not come next, or `undefined` when it may. */
  reason(id: number): string | undefined {
    const t = this.#parsed[id];
    if (t === undefined) return "is not a melody token";
    if (t.kind === "pad" || t.kind === "bos") return "only starts a line";
    switch (this.#phase) {
      case "done":
        return `comes after the last of ${this.#options.measures} measures`;
      case "key": {
        const want = this.#options.key;
        if (t.kind !== "key") return `is not a key: a line starts with ${want ?? "key:<fifths>"}`;
        return want === undefined || t.fifths === want ? undefined : `is not the key:${want} asked`;
      }
      case "meter": {
        const want = this.#options.meter;
        if (t.kind !== "meter") return "is not a meter: the key comes before one";
        return want === undefined || t.meter === want
          ? undefined
          : `is not the meter:${want} asked`;
      }
    }
    const left = this.#measureTicks - this.#filled;
    if (this.#pending !== undefined) {
      if (t.kind !== "duration") return `is not a duration, which a ${this.#pending} needs`;
      if (t.ticks > left) return `lasts ${t.ticks} ticks where the measure has ${left} left`;
      if (!this.#fillable[left - t.ticks]) return "leaves a gap in the measure no duration fills";
      if (this.#pending === "rest" && t.ticks === left && this.#mustSound) {
        return "ends a second silent measure in a row";
      }
      return undefined;
    }
    switch (t.kind) {
      case "key":
      case "meter":
        return "changes the key or meter inside the line";
      case "duration":
        return "is a duration without a note or rest";
      case "tie":
        if (this.#lastNote < 0) return "does not follow a note's duration";
        if (left === 0 && this.#bars + 1 === this.#options.measures) return "ties the last note";
        return undefined;
      case "bar":
        if (this.#tiedTo >= 0 && this.#bars + 1 === this.#options.measures) {
          return "ends the line inside a tie";
        }
        if (left === 0) return undefined;
        if (this.#bars === 0 && this.#events > 0) return undefined;
        return `closes a measure that has ${this.#filled} of its ${this.#measureTicks} ticks`;
      case "note":
      case "rest":
        if (left === 0) return "comes after the measure is full";
        if (this.#tiedTo >= 0 && id !== this.#tiedTo) {
          return `follows a tie from ${this.#vocabulary[this.#tiedTo]}`;
        }
        if (t.kind === "rest" && this.#mustSound && !this.#splittable[left]) {
          return "leaves no room for a note after a silent measure";
        }
        return undefined;
    }
  }

  /** 1 for each token that may come next, else 0, indexed by id. */
  mask(): Uint8Array {
    const mask = new Uint8Array(this.#vocabulary.length);
    for (let id = 0; id < mask.length; id++) mask[id] = this.reason(id) === undefined ? 1 : 0;
    return mask;
  }

  /**
   * Takes token `id` as the next one.
   *
   * @throws {SyntaxError} quoting the token and saying why it may not come next.
   */
  accept(id: number): void {
    const why = this.reason(id);
    const t = this.#parsed[id];
    if (why !== undefined || t === undefined) {
      throw new SyntaxError(`Token "${this.#vocabulary[id] ?? id}" ${why ?? "is unknown"}`);
    }
    const lastNote = this.#lastNote;
    this.#lastNote = -1;
    switch (t.kind) {
      case "key":
        this.#phase = "meter";
        break;
      case "meter":
        this.#measureTicks = meterTicks(t.meter)!;
        this.#phase = "events";
        break;
      case "note":
      case "rest":
        this.#pending = t.kind;
        this.#pendingNote = id;
        this.#tiedTo = -1;
        break;
      case "duration":
        this.#filled += t.ticks;
        this.#events++;
        if (this.#pending === "note") {
          this.#lastNote = this.#pendingNote;
          this.#sounding = true;
        }
        this.#pending = undefined;
        break;
      case "tie":
        this.#tiedTo = lastNote;
        break;
      case "bar":
        this.#bars++;
        this.#silentBefore = !this.#sounding;
        this.#sounding = false;
        this.#filled = 0;
        this.#events = 0;
        if (this.#bars === this.#options.measures) this.#phase = "done";
        break;
    }
  }
}
