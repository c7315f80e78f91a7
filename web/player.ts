/// <reference lib="dom" />
/**
 * A Play and a Stop button over semantic tokens, sounded by the small synth of `synth.ts`; one
 * audio context for the page, made on the first click (browsers allow sound only after one).
 *
 * @module
 */
import { notesOf, play } from "./synth.ts";

let audio: AudioContext | undefined;

/** Plays the tokens it is given with `playButton` and stops them with `stopButton`. */
export class Player {
  /** The semantic tokens Play sounds. */
  tokens: readonly string[] = [];
  readonly #stopButton: HTMLButtonElement;
  #playing: { stop(): void } | undefined;

  /** Wires the buttons; a failure to play goes to `onError`. */
  constructor(
    playButton: HTMLButtonElement,
    stopButton: HTMLButtonElement,
    onError: (error: unknown) => void,
  ) {
    this.#stopButton = stopButton;
    playButton.addEventListener("click", () => this.#start().catch(onError));
    stopButton.addEventListener("click", () => this.stop());
  }

  /** Stops what is playing, if anything. */
  stop(): void {
    this.#playing?.stop();
  }

  async #start() {
    audio ??= new AudioContext();
    await audio.resume();
    this.#playing?.stop();
    const session = play(audio, notesOf(this.tokens));
    this.#playing = session;
    this.#stopButton.disabled = false;
    await session.ended;
    if (this.#playing === session) {
      this.#playing = undefined;
      this.#stopButton.disabled = true;
    }
  }
}
