import assert from "node:assert/strict";
import { hash32, Rng, rngFor } from "../../shared/prng.ts";

// Values recorded from models/data/prng.ts before it moved here: the OMR data pipeline's splits
// and augmentations (and seeded generation) depend on every draw staying the same.
Deno.test("hash32() is FNV-1a as the data pipeline recorded it", () => {
  assert.deepEqual(
    [hash32(""), hash32("stave"), hash32("bach-chorale/bwv1.6")],
    [2166136261, 2218115848, 1271061071],
  );
});

Deno.test("rngFor() draws the recorded stream through every helper", () => {
  const r = rngFor(42, 3, "engrave");
  assert.deepEqual(
    [r.next(), r.next(), r.next()],
    [0.9279895501676947, 0.9986339586321265, 0.5845306785777211],
  );
  assert.deepEqual([r.int(0, 9), r.int(-5, 5)], [4, -3]);
  assert.equal(r.range(1, 2), 1.7311630153562874);
  assert.equal(r.pick(["a", "b", "c", "d"]), "a");
  assert.equal(r.weighted({ x: 1, y: 2, z: 3 }), "z");
  assert.equal(r.normal(), 0.29456875601982224);
  assert.equal(r.chance(0.5), true);
  assert.equal(new Rng("key").next(), 0.7991410617250949);
});

Deno.test("Rng.pick() refuses an empty list", () => {
  assert.throws(() => new Rng("x").pick([]), RangeError);
});
