import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { signHookBody, verifyHookSignature } from "../../../shared/library/hook_signature.ts";
import { Problem } from "../../../shared/problem.ts";

const SECRET = "a-shared-secret-of-some-length";
const NOW = 1_767_225_600;
const BODY = new TextEncoder().encode('{"Records":[{"eventName":"ObjectCreated:Put"}]}');
const OPTIONS = { windowSeconds: 300, now: NOW * 1000 };

async function rejects401(promise: Promise<unknown>, message: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof Problem);
    assert.equal(error.status, 401);
    assert.match(error.message, message);
    assert.ok(error.headers["www-authenticate"]);
    return true;
  });
}

Deno.test("verifyHookSignature() accepts the signature over timestamp.body", async () => {
  const signature = await signHookBody(SECRET, NOW, BODY);
  const delivery = await verifyHookSignature(
    SECRET,
    { timestamp: String(NOW), signature },
    BODY,
    OPTIONS,
  );
  assert.equal(`sha256=${delivery.signature}`, signature);
  assert.equal(delivery.signedAt.getTime(), NOW * 1000);
  // Upper-case hex is the same signature.
  const upper = `sha256=${signature.slice(7).toUpperCase()}`;
  await verifyHookSignature(SECRET, { timestamp: String(NOW), signature: upper }, BODY, OPTIONS);
});

Deno.test("signHookBody() agrees with an independent HMAC-SHA256 of timestamp.body", async () => {
  const expected = createHmac("sha256", SECRET).update(`${NOW}.`).update(BODY).digest("hex");
  assert.equal(await signHookBody(SECRET, NOW, BODY), `sha256=${expected}`);
  assert.equal(
    await signHookBody(SECRET, NOW, new TextDecoder().decode(BODY)),
    `sha256=${expected}`,
  );
});

Deno.test("verifyHookSignature() refuses unsigned, badly signed, stale and tampered deliveries", async () => {
  const signature = await signHookBody(SECRET, NOW, BODY);
  const timestamp = String(NOW);
  await rejects401(verifyHookSignature(SECRET, {}, BODY, OPTIONS), /Unsigned delivery/);
  await rejects401(verifyHookSignature(SECRET, { timestamp }, BODY, OPTIONS), /Unsigned/);
  await rejects401(
    verifyHookSignature(SECRET, { timestamp: "yesterday", signature }, BODY, OPTIONS),
    /Invalid X-Stave-Timestamp/,
  );
  await rejects401(
    verifyHookSignature(SECRET, { timestamp, signature: signature.slice(7) }, BODY, OPTIONS),
    /expected sha256=<64 hex digits>/,
  );
  await rejects401(
    verifyHookSignature("another-secret-entirely", { timestamp, signature }, BODY, OPTIONS),
    /Invalid signature/,
  );
  const tampered = BODY.slice();
  tampered[5] = tampered[5]! ^ 1;
  await rejects401(
    verifyHookSignature(SECRET, { timestamp, signature }, tampered, OPTIONS),
    /Invalid signature/,
  );
  // The timestamp is signed too: moving it breaks the signature.
  await rejects401(
    verifyHookSignature(SECRET, { timestamp: String(NOW + 1), signature }, BODY, OPTIONS),
    /Invalid signature/,
  );
  for (const skew of [-301, 301]) {
    const at = NOW + skew;
    const stale = await signHookBody(SECRET, at, BODY);
    await rejects401(
      verifyHookSignature(SECRET, { timestamp: String(at), signature: stale }, BODY, OPTIONS),
      /Stale delivery: signed 301 s (ago|ahead)/,
    );
  }
  const edge = await signHookBody(SECRET, NOW - 300, BODY);
  await verifyHookSignature(
    SECRET,
    { timestamp: String(NOW - 300), signature: edge },
    BODY,
    OPTIONS,
  );
});
