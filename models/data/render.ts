/**
 * @module Rasterises Verovio SVG to PNG with resvg-wasm at a fixed image height.
 */
import { initWasm, Resvg } from "@resvg/resvg-wasm";

/** Height of every clean staff image, in pixels (width follows the music). */
export const IMAGE_HEIGHT = 128;

/** Serif font for text marks (lyrics, fingerings, tempo); Verovio draws music glyphs as paths. */
const TEXT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf";

let ready: Promise<Uint8Array | undefined> | undefined;

/**
 * Initialises resvg once per process (WASM from node_modules, no network) and loads the text font.
 * Resolves to the font bytes, or undefined when no text font is installed (text marks are then skipped).
 */
export function initRenderer(): Promise<Uint8Array | undefined> {
  ready ??= (async () => {
    const wasm = new URL("../../node_modules/@resvg/resvg-wasm/index_bg.wasm", import.meta.url);
    await initWasm(await Deno.readFile(wasm));
    try {
      return await Deno.readFile(TEXT_FONT);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  })();
  return ready;
}

/** A rendered staff: PNG bytes, plus RGBA pixels when asked for. */
export interface Raster {
  png: Uint8Array;
  pixels?: Uint8Array;
  width: number;
  height: number;
}

/** Renders SVG on white at `height` pixels; call `initRenderer` first. Pixels are copied only if asked. */
export function rasterize(
  svg: string,
  font: Uint8Array | undefined,
  options: { height?: number; pixels?: boolean } = {},
): Raster {
  const height = options.height ?? IMAGE_HEIGHT;
  const resvg = new Resvg(svg, {
    fitTo: { mode: "height", value: height },
    background: "white",
    font: font
      ? { fontBuffers: [font], defaultFontFamily: "DejaVu Serif", serifFamily: "DejaVu Serif" }
      : { loadSystemFonts: false },
  });
  const img = resvg.render();
  try {
    const pixels = options.pixels ? img.pixels : undefined;
    return { png: img.asPng(), pixels, width: img.width, height: img.height };
  } finally {
    img.free();
    resvg.free();
  }
}
