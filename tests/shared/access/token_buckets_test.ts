import assert from "node:assert/strict";
import { TokenBuckets } from "../../../shared/access/token_buckets.ts";

/** Buckets on a clock the test moves by hand. */
function clocked(perMinute: number, burst: number, maxBuckets?: number) {
  const clock = { ms: 0 };
  const buckets = new TokenBuckets({ perMinute, burst }, { now: () => clock.ms, maxBuckets });
  return { clock, buckets };
}

Deno.test("TokenBuckets.take() allows a burst, then refuses with the wait until a token", () => {
  const { clock, buckets } = clocked(6, 3); // a token every 10 s
  const first = buckets.take("a");
  assert.deepEqual(first, { allowed: true, remaining: 2, retryAfterSeconds: 0, resetSeconds: 10 });
  assert.equal(buckets.take("a").remaining, 1);
  assert.equal(buckets.take("a").remaining, 0);
  assert.deepEqual(buckets.take("a"), {
    allowed: false,
    remaining: 0,
    retryAfterSeconds: 10,
    resetSeconds: 30,
  });
  clock.ms = 4_000;
  assert.equal(buckets.take("a").retryAfterSeconds, 6, "the wait shrinks as the bucket refills");
  clock.ms = 10_000;
  assert.equal(buckets.take("a").allowed, true);
  assert.equal(buckets.take("a").allowed, false, "one token came back, not more");
  // Other keys have their own buckets.
  assert.equal(buckets.take("b").remaining, 2);
});

Deno.test("TokenBuckets refill at the rate and never beyond the burst", () => {
  const { clock, buckets } = clocked(60, 2); // a token a second
  buckets.take("a");
  buckets.take("a");
  clock.ms = 1_500;
  assert.deepEqual(buckets.take("a"), {
    allowed: true,
    remaining: 0,
    retryAfterSeconds: 0,
    resetSeconds: 2,
  });
  clock.ms = 3_600_000;
  assert.equal(buckets.take("a").remaining, 1, "an hour's quiet refills to the burst only");
});

Deno.test("TokenBuckets drop buckets once they are full again, so idle clients cost nothing", () => {
  const { clock, buckets } = clocked(60, 2); // full again 2 s after the last request
  for (let i = 0; i < 1_000; i++) buckets.take(`client-${i}`);
  assert.equal(buckets.size, 1_000);
  clock.ms = 1_000;
  buckets.take("late");
  assert.equal(buckets.size, 1_001, "buckets not yet full are kept");
  clock.ms = 2_000;
  buckets.take("later");
  assert.equal(buckets.size, 2, "the 1,000 full buckets are gone");
  // A dropped bucket was full: its client gets the same answer as if it had been kept.
  assert.equal(buckets.take("client-0").remaining, 1);
});

Deno.test("TokenBuckets keep at most maxBuckets, dropping the least recently used", () => {
  const { buckets } = clocked(1, 5, 100);
  for (let i = 0; i < 10_000; i++) buckets.take(`address-${i}`);
  assert.equal(buckets.size, 100);
  buckets.take("address-9999");
  assert.equal(buckets.take("address-9999").remaining, 2, "a recent bucket is kept");
  assert.equal(buckets.take("address-0").remaining, 4, "an evicted bucket starts full");
});

Deno.test("TokenBuckets refuse rates that cannot work", () => {
  assert.throws(() => new TokenBuckets({ perMinute: 0, burst: 1 }), RangeError);
  assert.throws(() => new TokenBuckets({ perMinute: 10, burst: 0 }), RangeError);
  assert.throws(() => new TokenBuckets({ perMinute: 10, burst: 1.5 }), RangeError);
  assert.throws(() => new TokenBuckets({ perMinute: 10, burst: 1 }, { maxBuckets: 0 }), RangeError);
});
