/**
 * The audio worklet that captures the microphone for `recorder.ts`: it mixes each block of
 * input to mono and posts it to the page in batches. Bundled on its own (`recorder_worklet.js`),
 * since a worklet loads as a module by URL and the CSP allows only the app's own scripts.
 *
 * @module
 */

/** What the worklet global scope offers (not in the DOM library's types). */
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  processor: new () => AudioWorkletProcessor,
): void;

/** Frames posted at once: about 85 ms at 48 kHz rather than a message every 128 frames. */
const BATCH = 4096;

/** Posts mono `Float32Array`s of the input to the page until disconnected. */
class Capture extends AudioWorkletProcessor {
  #batch = new Float32Array(BATCH);
  #filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0] ?? [];
    const frames = channels[0]?.length ?? 0;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i]!;
      this.#batch[this.#filled++] = sum / channels.length;
      if (this.#filled === BATCH) {
        this.port.postMessage(this.#batch, [this.#batch.buffer]);
        this.#batch = new Float32Array(BATCH);
        this.#filled = 0;
      }
    }
    return true;
  }
}

registerProcessor("stave-capture", Capture);
