/// <reference lib="dom" />
/**
 * Records the microphone as PCM with Web Audio (an audio worklet taps the input) and hands the
 * recording back as a WAV file, which the search takes as it is.
 *
 * @module
 */
import { ProblemError } from "./api.ts";
import { encodeWav } from "./wav.ts";

/** A recording in progress. */
export interface Recording {
  /** Seconds recorded so far. */
  seconds(): number;
  /** Stops recording and releases the microphone: the WAV file of what was heard. */
  stop(): Promise<File>;
}

/** Why the browser refused the microphone, in words for the page. */
function refused(error: unknown): ProblemError {
  const name = (error as Error)?.name;
  if (name === "NotAllowedError") {
    return new ProblemError(
      "No access to the microphone",
      "The browser was not allowed to use the microphone: allow it for this page, or choose a " +
        "WAV file instead",
    );
  }
  if (name === "NotFoundError") {
    return new ProblemError("No microphone", "This device has no microphone the browser can use");
  }
  return new ProblemError("Cannot record", String((error as Error)?.message ?? error));
}

/** Starts recording from the default microphone. @throws {ProblemError} when it is refused. */
export async function startRecording(): Promise<Recording> {
  if (navigator.mediaDevices?.getUserMedia === undefined) {
    // Browsers offer the microphone only in secure contexts (HTTPS or localhost).
    throw new ProblemError(
      "Recording needs HTTPS",
      "The browser offers the microphone only on HTTPS or localhost: choose a WAV file instead",
    );
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      // Processing meant for calls would bend the music the search listens to.
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
  } catch (error) {
    throw refused(error);
  }
  const context = new AudioContext();
  try {
    await context.audioWorklet.addModule("/app/recorder_worklet.js");
  } catch (error) {
    for (const track of stream.getTracks()) track.stop();
    await context.close();
    throw refused(error);
  }
  const source = context.createMediaStreamSource(stream);
  const capture = new AudioWorkletNode(context, "stave-capture");
  const chunks: Float32Array[] = [];
  let frames = 0;
  capture.port.onmessage = (event: MessageEvent<Float32Array>) => {
    chunks.push(event.data);
    frames += event.data.length;
  };
  // A node reaches the audio thread only on a path to the output: join it there, silenced.
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(capture).connect(mute).connect(context.destination);
  return {
    seconds: () => frames / context.sampleRate,
    async stop() {
      source.disconnect();
      capture.port.onmessage = null;
      for (const track of stream.getTracks()) track.stop();
      const rate = context.sampleRate;
      await context.close();
      const samples = new Float32Array(frames);
      let at = 0;
      for (const chunk of chunks) {
        samples.set(chunk, at);
        at += chunk.length;
      }
      return new File([encodeWav(samples, rate)], "recording.wav", { type: "audio/wav" });
    },
  };
}
