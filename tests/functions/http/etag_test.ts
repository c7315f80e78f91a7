import assert from "node:assert/strict";
import { etagMatches, etagOf } from "../../../functions/http/etag.ts";

Deno.test("etagMatches() compares weakly, in lists and with the wildcard", () => {
  const etag = etagOf("abc");
  assert.equal(etag, '"abc"');
  assert.ok(etagMatches('"abc"', etag));
  assert.ok(etagMatches('W/"abc"', etag));
  assert.ok(etagMatches('"x", W/"abc"', etag));
  assert.ok(etagMatches("*", etag));
  assert.ok(!etagMatches('"abcd"', etag));
  assert.ok(!etagMatches("", etag));
  assert.ok(!etagMatches(null, etag));
});
