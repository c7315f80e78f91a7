import assert from "node:assert/strict";
import encodePng from "@jsquash/png/encode.js";
import { measureFraming, recordFraming } from "../../../models/data/framing.ts";

/** A 200x100 staff image, lines every 5 rows from `top`, plus a line-less one to be missed. */
async function staffPng(top: number, lines = 5): Promise<Uint8Array> {
  const width = 200, height = 100;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let line = 0; line < lines; line++) {
    for (let x = 10; x < 190; x++) data.set([0, 0, 0, 255], ((top + line * 5) * width + x) * 4);
  }
  return new Uint8Array(await encodePng({ width, height, data, colorSpace: "srgb" } as ImageData));
}

Deno.test("measureFraming() reports the median staff place and counts misses", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/train`);
    await Deno.writeFile(`${dir}/train/0.png`, await staffPng(30));
    await Deno.writeFile(`${dir}/train/1.png`, await staffPng(40));
    await Deno.writeFile(`${dir}/train/2.png`, await staffPng(40));
    await Deno.writeFile(`${dir}/train/3.png`, await staffPng(40, 2));
    const framing = await measureFraming(dir, "train", 10);
    assert.equal(framing.staffFraction, 0.2);
    assert.equal(framing.staffCentre, 0.5);
    assert.deepEqual(framing.measured, { split: "train", staves: 3, missed: 1 });

    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify({ seed: 1 }));
    await recordFraming(dir, framing);
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
    assert.equal(manifest.seed, 1);
    assert.deepEqual(manifest.framing, framing);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
