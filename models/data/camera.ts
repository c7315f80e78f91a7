/**
 * @module Fixed, seeded "camera" degradations for the camera test split: perspective, rotation, paper,
 * uneven light, blur, noise, low resolution and JPEG compression.
 */
import { decode as decodeJpeg, encode as encodeJpeg } from "@jsquash/jpeg";
import { encode as encodePng } from "@jsquash/png";
import type { Rng } from "../../shared/prng.ts";

/** The degradation parameters drawn for one image (kept for the manifest's record). */
export interface CameraParams {
  rotationDeg: number;
  perspective: number;
  paper: [number, number, number];
  ink: number;
  light: number;
  blur: number;
  noise: number;
  scale: number;
  jpegQuality: number;
}

/** Draws degradation parameters. */
export function drawCamera(rng: Rng): CameraParams {
  const p = rng.range(195, 250);
  return {
    rotationDeg: rng.range(-3, 3),
    perspective: rng.range(0, 0.04),
    paper: [p, p * rng.range(0.95, 1), p * rng.range(0.85, 1)],
    ink: rng.range(10, 80),
    light: rng.range(0, 0.4),
    blur: rng.pick([0, 0, 0.6, 1, 1.5]),
    noise: rng.range(0, 12),
    scale: rng.range(0.45, 1),
    jpegQuality: rng.int(15, 90),
  };
}

/** Solves the 3x3 homography mapping four points `src` onto `dst` (row-major, h33 = 1). */
function homography(src: number[][], dst: number[][]): number[] {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = src[i]!, [u, v] = dst[i]!;
    a.push([x!, y!, 1, 0, 0, 0, -u! * x!, -u! * y!, u!]);
    a.push([0, 0, 0, x!, y!, 1, -v! * x!, -v! * y!, v!]);
  }
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < 9; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return [...a.map((row, i) => row[8]! / row[i]!), 1];
}

/** Separable box blur of a float image, in place (two passes approximate a Gaussian). */
function boxBlur(img: Float32Array, w: number, h: number, r: number): void {
  if (r <= 0) return;
  const tmp = new Float32Array(img.length);
  const k = Math.max(1, Math.round(r));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0, n = 0;
      for (let d = -k; d <= k; d++) {
        const xx = Math.min(w - 1, Math.max(0, x + d));
        s += img[y * w + xx]!;
        n++;
      }
      tmp[y * w + x] = s / n;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0, n = 0;
      for (let d = -k; d <= k; d++) {
        const yy = Math.min(h - 1, Math.max(0, y + d));
        s += tmp[yy * w + x]!;
        n++;
      }
      img[y * w + x] = s / n;
    }
  }
}

/**
 * Degrades a clean RGBA staff image into a camera-like PNG (after a JPEG round trip).
 * Returns the PNG bytes and the final size.
 */
export async function cameraImage(
  rgba: Uint8Array,
  width: number,
  height: number,
  cam: CameraParams,
  rng: Rng,
): Promise<{ png: Uint8Array; width: number; height: number }> {
  // Ink coverage of the clean image (0 paper, 1 ink).
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = 1 - rgba[i * 4]! / 255;
  const w = Math.max(8, Math.round(width * cam.scale));
  const h = Math.max(8, Math.round(height * cam.scale));
  // Output corners jittered and rotated; map each output pixel back into the clean image.
  const t = (cam.rotationDeg * Math.PI) / 180;
  const cx = w / 2, cy = h / 2;
  const corners = [[0, 0], [w, 0], [w, h], [0, h]].map(([x, y]) => {
    const jx = (rng.next() - 0.5) * 2 * cam.perspective * w;
    const jy = (rng.next() - 0.5) * 2 * cam.perspective * h * 4;
    const dx = x! - cx + jx, dy = y! - cy + jy;
    return [cx + dx * Math.cos(t) - dy * Math.sin(t), cy + dx * Math.sin(t) + dy * Math.cos(t)];
  });
  const src = [[0, 0], [width, 0], [width, height], [0, height]];
  const H = homography(corners, src);
  const warped = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = H[6]! * x + H[7]! * y + H[8]!;
      const sx = (H[0]! * x + H[1]! * y + H[2]!) / d - 0.5;
      const sy = (H[3]! * x + H[4]! * y + H[5]!) / d - 0.5;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      const at = (xx: number, yy: number) =>
        xx < 0 || yy < 0 || xx >= width || yy >= height ? 0 : ink[yy * width + xx]!;
      warped[y * w + x] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
        fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  boxBlur(warped, w, h, cam.blur);
  // Paper texture: coarse value noise; light: a linear ramp in a random direction.
  const cell = 12;
  const gw = Math.ceil(w / cell) + 2, gh = Math.ceil(h / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rng.range(-1, 1));
  const angle = rng.range(0, 2 * Math.PI);
  const lx = Math.cos(angle), ly = Math.sin(angle);
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const gx = x / cell, gy = y / cell;
      const ix = Math.floor(gx), iy = Math.floor(gy);
      const fx = gx - ix, fy = gy - iy;
      const g = (a: number, b: number) => grid[b * gw + a]!;
      const tex = (1 - fy) * ((1 - fx) * g(ix, iy) + fx * g(ix + 1, iy)) +
        fy * ((1 - fx) * g(ix, iy + 1) + fx * g(ix + 1, iy + 1));
      const ramp = ((x / w - 0.5) * lx + (y / h - 0.5) * ly + 0.7) / 1.4;
      const light = 1 - cam.light * ramp;
      const a = Math.min(1, warped[y * w + x]!);
      const noise = rng.normal() * cam.noise;
      for (let c = 0; c < 3; c++) {
        const paper = cam.paper[c]! + tex * 7;
        out[(y * w + x) * 4 + c] = ((1 - a) * paper + a * cam.ink) * light + noise;
      }
      out[(y * w + x) * 4 + 3] = 255;
    }
  }
  const img = { data: out, width: w, height: h, colorSpace: "srgb" } as ImageData;
  const jpeg = await encodeJpeg(img, { quality: cam.jpegQuality });
  const back = await decodeJpeg(jpeg);
  return { png: new Uint8Array(await encodePng(back)), width: w, height: h };
}
