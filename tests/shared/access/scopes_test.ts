import assert from "node:assert/strict";
import { grants, parseScopes, SCOPES } from "../../../shared/access/scopes.ts";

Deno.test("parseScopes() keeps known scopes once each, lowest first", () => {
  assert.deepEqual(parseScopes("admin, read,admin"), ["read", "admin"]);
  assert.deepEqual(parseScopes("write"), ["write"]);
  assert.deepEqual(parseScopes(SCOPES.join(",")), ["read", "write", "admin"]);
});

Deno.test("parseScopes() refuses unknown and empty scope lists with a RangeError", () => {
  assert.throws(() => parseScopes("read,root"), RangeError);
  assert.throws(() => parseScopes("read,root"), /Unknown scope "root"/);
  assert.throws(() => parseScopes(" , "), /Invalid scopes/);
  assert.throws(() => parseScopes("READ"), /Unknown scope "READ"/);
});

Deno.test("grants() ranks the scopes: admin includes write, which includes read", () => {
  assert.ok(grants(["admin"], "admin") && grants(["admin"], "write") && grants(["admin"], "read"));
  assert.ok(grants(["write"], "write") && grants(["write"], "read"));
  assert.ok(!grants(["write"], "admin"));
  assert.ok(grants(["read"], "read") && !grants(["read"], "write"));
  assert.ok(!grants([], "read"));
});
