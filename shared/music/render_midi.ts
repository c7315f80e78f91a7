/**
 * Plays a staff's MEI as MIDI for answers, on the process's shared Verovio.
 *
 * @module
 */
import { sharedVerovio } from "./verovio.ts";

/**
 * The Standard MIDI File of `mei` (one track, 120 quarters a minute).
 *
 * @example
 * ```ts ignore
 * const midi = await renderMeiMidi(mei); // starts with "MThd"
 * ```
 */
export async function renderMeiMidi(mei: string): Promise<Uint8Array<ArrayBuffer>> {
  return await (await sharedVerovio()).toMidi(mei);
}
