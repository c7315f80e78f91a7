/**
 * Lets a caller stop waiting for work that cannot itself be cancelled (an ONNX run, a session
 * load): the promise settles with the signal's reason on abort, while the work goes on.
 *
 * @module
 */

/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * import { abortable } from "./abortable.ts";
 * const value = await abortable(Promise.resolve(42), new AbortController().signal);
 * console.assert(value === 42);
 * ```
 */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
