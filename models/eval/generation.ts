/**
 * @module What `eval:gen` (gen_eval.ts) and `calibrate:gen` (gen_guidance.ts) generate with: the
 * same line settings, so the guidance weights are calibrated on lines like the evaluated ones, and
 * the same limits, wide enough that no line is cut.
 */

/** A line's length and sampling: 16 measures, temperature 1, top-p 0.95. */
export const EVAL_LINE = { measures: 16, temperature: 1, topP: 0.95 } as const;

/** The generation limits (the service's bounds, from config, are for requests). */
export const EVAL_LIMITS = {
  maxMeasures: 64,
  maxTemperature: 2,
  maxTokens: 8192,
  timeoutMs: 60_000,
} as const;
