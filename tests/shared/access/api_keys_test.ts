/**
 * API keys on a real (in-memory) PGlite, migrated: creation, hashing at rest, listing,
 * revocation and authentication.
 *
 * @module
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import {
  authenticate,
  BOOTSTRAP_KEY_ID,
  createApiKey,
  listApiKeys,
  newSecret,
  revokeApiKey,
  SECRET_PATTERN,
} from "../../../shared/access/mod.ts";
import { type Database, migrate, openDatabase, readMigrations } from "../../../shared/db/mod.ts";
import { sha256Hex } from "../../../shared/sha256.ts";

/** One migrated database for all steps; `api_keys` is emptied before each. */
function steps(list: Record<string, (database: Database) => Promise<void>>) {
  return async (t: Deno.TestContext) => {
    const database = await openDatabase({ kind: "pglite", dir: "memory://" });
    try {
      await migrate(database.db, await readMigrations());
      for (const [name, body] of Object.entries(list)) {
        await sql`truncate api_keys`.execute(database.db);
        await t.step(name, () => body(database));
      }
    } finally {
      await database.close();
    }
  };
}

Deno.test("newSecret() is stv_ and 32 random bytes as base64url", () => {
  const secrets = new Set(Array.from({ length: 100 }, newSecret));
  assert.equal(secrets.size, 100);
  for (const secret of secrets) {
    assert.match(secret, SECRET_PATTERN);
    const body = secret.slice(4).replaceAll("-", "+").replaceAll("_", "/");
    assert.equal(Uint8Array.fromBase64(body).length, 32);
  }
});

Deno.test(
  "API keys in the database",
  steps({
    "createApiKey() stores the secret's sha256, never the secret": async ({ db }) => {
      const { key, secret } = await createApiKey(db, { name: " uploader ", scopes: "write,read" });
      assert.match(secret, SECRET_PATTERN);
      assert.equal(key.name, "uploader");
      assert.deepEqual(key.scopes, ["read", "write"]);
      assert.equal(key.revokedAt, null);
      assert.equal(key.lastUsedAt, null);
      assert.ok(key.createdAt instanceof Date);

      // Every column of every row, as text: the hash is there, the secret and its body are not.
      const { rows } = await sql<
        { row: string }
      >`select row_to_json(k)::text as row from api_keys k`
        .execute(db);
      assert.equal(rows.length, 1);
      const stored = rows[0]!.row;
      assert.ok(stored.includes(await sha256Hex(secret)));
      assert.ok(!stored.includes(secret));
      assert.ok(!stored.includes(secret.slice(4, 20)), "no part of the secret's body either");
      assert.deepEqual(Object.keys(JSON.parse(stored)).sort(), [
        "created_at",
        "id",
        "last_used_at",
        "name",
        "revoked_at",
        "scopes",
        "secret_sha256",
      ]);
      // Nor does the listing show it.
      const listed = await listApiKeys(db);
      assert.deepEqual(listed, [key]);
      assert.ok(!JSON.stringify(listed).includes(secret));
    },

    "createApiKey() refuses blank names and unknown scopes; the table refuses them too": async (
      { db },
    ) => {
      await assert.rejects(createApiKey(db, { name: "  ", scopes: "read" }), RangeError);
      await assert.rejects(createApiKey(db, { name: "x".repeat(101), scopes: "read" }), RangeError);
      await assert.rejects(createApiKey(db, { name: "a", scopes: "read,root" }), /Unknown scope/);
      await assert.rejects(createApiKey(db, { name: "a", scopes: [] }), /Invalid scopes/);
      const insert = (scopes: string[]) =>
        db.insertInto("api_keys")
          .values({ name: "raw", secret_sha256: "0".repeat(64), scopes: scopes as never })
          .execute();
      await assert.rejects(insert(["root"]), /check constraint/);
      await assert.rejects(insert([]), /check constraint/);
      await assert.rejects(
        db.insertInto("api_keys").values({ name: "raw", secret_sha256: "secret", scopes: ["read"] })
          .execute(),
        /check constraint/,
        "only a hex sha256 fits the column",
      );
      assert.deepEqual(await listApiKeys(db), []);
    },

    "authenticate() admits a stored key by its secret and notes when it was used": async (
      { db },
    ) => {
      const { key, secret } = await createApiKey(db, { name: "reader", scopes: ["read"] });
      const admitted = await authenticate(db, secret);
      assert.deepEqual(admitted, {
        ok: true,
        principal: { id: key.id, name: "reader", scopes: ["read"] },
      });
      const [used] = await listApiKeys(db);
      assert.ok(used!.lastUsedAt instanceof Date);

      // A well-formed secret that was never issued, one character off, and malformed ones.
      assert.deepEqual(await authenticate(db, newSecret()), { ok: false, reason: "unknown" });
      const flipped = secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A");
      assert.deepEqual(await authenticate(db, flipped), { ok: false, reason: "unknown" });
      for (const token of ["", "stv_", secret.slice(4), `${secret}x`]) {
        assert.deepEqual(await authenticate(db, token), { ok: false, reason: "unknown" }, token);
      }
      // The stored hash is not a credential.
      assert.deepEqual(await authenticate(db, await sha256Hex(secret)), {
        ok: false,
        reason: "unknown",
      });
    },

    "revokeApiKey() refuses the key from then on and keeps the first revocation time": async (
      { db },
    ) => {
      const { key, secret } = await createApiKey(db, { name: "ci", scopes: "write" });
      const other = await createApiKey(db, { name: "other", scopes: "write" });
      const revoked = await revokeApiKey(db, key.id);
      assert.ok(revoked?.revokedAt instanceof Date);
      assert.deepEqual(await authenticate(db, secret), { ok: false, reason: "revoked" });
      assert.equal((await authenticate(db, other.secret)).ok, true, "other keys still work");
      const again = await revokeApiKey(db, key.id);
      assert.deepEqual(again?.revokedAt, revoked.revokedAt);
      assert.equal(await revokeApiKey(db, crypto.randomUUID()), undefined);
      await assert.rejects(revokeApiKey(db, "1; drop table api_keys"), RangeError);
      assert.deepEqual((await listApiKeys(db)).map((k) => k.name), ["ci", "other"]);
    },

    "authenticate() admits the environment's bootstrap key as admin": async ({ db }) => {
      const bootstrapKey = "bootstrap-key-0123456789";
      assert.deepEqual(await authenticate(db, bootstrapKey, { bootstrapKey }), {
        ok: true,
        principal: { id: BOOTSTRAP_KEY_ID, name: "STAVE_API_KEY", scopes: ["admin"] },
      });
      assert.deepEqual(await authenticate(db, `${bootstrapKey}!`, { bootstrapKey }), {
        ok: false,
        reason: "unknown",
      });
      assert.deepEqual(await authenticate(db, bootstrapKey), { ok: false, reason: "unknown" });
    },
  }),
);
