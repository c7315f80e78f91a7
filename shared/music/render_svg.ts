/**
 * Re-renders a staff's MEI as SVG for answers, on the process's shared Verovio, Leipzig at a
 * readable size.
 *
 * @module
 */
import { sharedVerovio, type StaffLayout } from "./verovio.ts";

const LAYOUT: StaffLayout = {
  font: "Leipzig",
  scale: 50,
  spacingLinear: 0.25,
  spacingNonLinear: 0.6,
  marginX: 50,
  marginY: 50,
};

/**
 * The SVG of `mei` laid out as one system.
 *
 * @example
 * ```ts ignore
 * const svg = await renderMeiSvg(mei);
 * ```
 */
export async function renderMeiSvg(mei: string): Promise<string> {
  return await (await sharedVerovio()).renderStaffSvg(mei, LAYOUT);
}
