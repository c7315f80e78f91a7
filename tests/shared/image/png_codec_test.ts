import assert from "node:assert/strict";
import decodeWithJsquash from "@jsquash/png/decode.js";
import encodePng from "@jsquash/png/encode.js";
import { decodePng, PngCodec } from "../../../shared/image/png_codec.ts";

/** A 64x48 RGBA gradient, as a PNG. */
async function gradient(): Promise<Uint8Array> {
  const width = 64, height = 48;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.set([i % 256, (i * 7) % 256, 255 - (i % 256), 200], i * 4);
  }
  return new Uint8Array(await encodePng({ width, height, data, colorSpace: "srgb" } as ImageData));
}

Deno.test("decodePng() gives the pixels @jsquash/png gives", async () => {
  const png = await gradient();
  const ours = await decodePng(png);
  const theirs = await decodeWithJsquash(png.slice().buffer);
  assert.deepEqual([ours.width, ours.height], [theirs.width, theirs.height]);
  assert.deepEqual(ours.data, theirs.data);
});

Deno.test("PngCodec starts afresh after a failed decode, so corrupt PNGs leave nothing behind", async () => {
  // The codec strands a failed decode's buffers in its memory; on one instance, 40 of these
  // truncated PNGs took its memory from about 1 MiB to 9 MiB, and on.
  const png = await gradient();
  const truncated = png.slice(0, png.length - 30);
  const fresh = new PngCodec();
  await fresh.decode(png);
  const codec = new PngCodec();
  for (let i = 0; i < 40; i++) {
    await assert.rejects(codec.decode(truncated), /unwrap_throw|failed|EOF|eof/i);
  }
  assert.equal(codec.instancesMade, 40);
  const image = await codec.decode(png);
  assert.equal(image.width, 64);
  assert.equal(codec.instancesMade, 41);
  assert.equal(await codec.memoryBytes(), await fresh.memoryBytes());
});
