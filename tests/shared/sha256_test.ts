import assert from "node:assert/strict";
import { sha256Hex } from "../../shared/sha256.ts";

Deno.test("sha256Hex() matches the published digests of text and bytes", async () => {
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(await sha256Hex(new Uint8Array([0x61, 0x62, 0x63])), await sha256Hex("abc"));
});

Deno.test("sha256Hex() hashes a view of a SharedArrayBuffer", async () => {
  const shared = new Uint8Array(new SharedArrayBuffer(3));
  shared.set([0x61, 0x62, 0x63]);
  assert.equal(await sha256Hex(shared), await sha256Hex("abc"));
});
