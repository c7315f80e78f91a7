/**
 * Re-renders a staff's MEI as SVG for answers: one lazily created Verovio per process (its WASM
 * takes 1-2 s to start), Leipzig at a readable size.
 *
 * @module
 */
import { type StaffLayout, Verovio } from "./verovio.ts";

const LAYOUT: StaffLayout = {
  font: "Leipzig",
  scale: 50,
  spacingLinear: 0.25,
  spacingNonLinear: 0.6,
  marginX: 50,
  marginY: 50,
};

let verovio: Promise<Verovio> | undefined;

/**
 * The SVG of `mei` laid out as one system.
 *
 * @example
 * ```ts ignore
 * const svg = await renderMeiSvg(mei);
 * ```
 */
export async function renderMeiSvg(mei: string): Promise<string> {
  verovio ??= Verovio.create().catch((error) => {
    verovio = undefined; // a failed start is retried by the next call
    throw error;
  });
  return await (await verovio).renderStaffSvg(mei, LAYOUT);
}
