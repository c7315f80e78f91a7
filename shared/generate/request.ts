/**
 * @module What a generation request may ask for, checked against the deployment's limits before
 * any model runs: every failure is a 400 problem naming the field.
 */
import { Problem } from "../problem.ts";
import { MAX_GUIDANCE } from "./guidance.ts";

/** Largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;

/** A request for one melody. */
export interface GenerateRequest {
  /** Genre id, one of the model's labels. */
  readonly genre: string;
  /** Measures (bars) of the whole line, primer included. */
  readonly measures: number;
  /** Sampling temperature, in (0, `maxTemperature`]. */
  readonly temperature: number;
  /** Nucleus mass, in (0, 1]. */
  readonly topP: number;
  /** Genre guidance weight in [0, {@linkcode MAX_GUIDANCE}]; the genre's calibrated one when omitted. */
  readonly guidance?: number;
  /** Integer 0..2^32-1; a random one when omitted (and answered, to repeat the line). */
  readonly seed?: number;
  /** The line's first melody tokens (a leading `<bos>` is optional), continued by the model. */
  readonly primer?: readonly string[];
  /** Fifths of the key the line must take, -7..7. */
  readonly key?: number;
  /** Meter the line must take, e.g. `6/8`. */
  readonly meter?: string;
}

/** The deployment's bounds on a request (`config.generate`). */
export interface GenerateLimits {
  /** Most measures. */
  readonly maxMeasures: number;
  /** Highest temperature. */
  readonly maxTemperature: number;
  /** Most tokens in a line; a primer may take at most half. */
  readonly maxTokens: number;
}

/**
 * A 400 problem naming `field`.
 *
 * @example
 * ```ts
 * import { invalidField } from "./request.ts";
 * console.assert(invalidField("seed", "expected an integer").extensions.field === "seed");
 * ```
 */
export function invalidField(field: string, detail: string): Problem {
  return new Problem(400, `Invalid ${field}: ${detail}`, {
    slug: "invalid-request",
    extensions: { field },
  });
}

const show = (value: unknown) => JSON.stringify(value)?.slice(0, 40) ?? String(value);

/**
 * Checks a request's values against `limits`.
 *
 * @example
 * ```ts
 * import { checkGenerateRequest } from "./request.ts";
 * const limits = { maxMeasures: 64, maxTemperature: 2, maxTokens: 8192 };
 * checkGenerateRequest({ genre: "irish-folk", measures: 8, temperature: 1, topP: 0.9 }, limits);
 * ```
 * @throws {Problem} 400 naming the first field out of range or of the wrong type.
 */
export function checkGenerateRequest(request: GenerateRequest, limits: GenerateLimits): void {
  const { genre, measures, temperature, topP, guidance, seed, primer, key, meter } = request;
  if (typeof genre !== "string" || genre === "") {
    throw invalidField("genre", `expected a genre id, got ${show(genre)}`);
  }
  if (!Number.isInteger(measures) || measures < 1 || measures > limits.maxMeasures) {
    throw invalidField(
      "measures",
      `expected an integer 1..${limits.maxMeasures}, got ${show(measures)}`,
    );
  }
  if (
    typeof temperature !== "number" || !(temperature > 0 && temperature <= limits.maxTemperature)
  ) {
    throw invalidField(
      "temperature",
      `expected a number in (0, ${limits.maxTemperature}], got ${show(temperature)}`,
    );
  }
  if (typeof topP !== "number" || !(topP > 0 && topP <= 1)) {
    throw invalidField("top_p", `expected a number in (0, 1], got ${show(topP)}`);
  }
  if (
    guidance !== undefined &&
    (typeof guidance !== "number" || !(guidance >= 0 && guidance <= MAX_GUIDANCE))
  ) {
    throw invalidField(
      "guidance",
      `expected a number in [0, ${MAX_GUIDANCE}], got ${show(guidance)}`,
    );
  }
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)) {
    throw invalidField("seed", `expected an integer 0..${MAX_SEED}, got ${show(seed)}`);
  }
  if (key !== undefined && (!Number.isInteger(key) || key < -7 || key > 7)) {
    throw invalidField("key", `expected fifths -7..7, got ${show(key)}`);
  }
  if (
    meter !== undefined && (typeof meter !== "string" || !/^(C|C\/|\d{1,2}\/\d{1,2})$/.test(meter))
  ) {
    throw invalidField("meter", `expected a meter such as 6/8 or C, got ${show(meter)}`);
  }
  if (primer !== undefined) {
    const most = Math.floor(limits.maxTokens / 2);
    if (!Array.isArray(primer) || primer.some((t) => typeof t !== "string")) {
      throw invalidField("primer", "expected an array of melody tokens");
    }
    if (primer.length > most) {
      throw invalidField("primer", `expected at most ${most} tokens, got ${primer.length}`);
    }
  }
}

/**
 * A random seed, for requests without one.
 *
 * @example
 * ```ts
 * import { MAX_SEED, randomSeed } from "./request.ts";
 * const seed = randomSeed();
 * console.assert(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED);
 * ```
 */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}
