/**
 * `deno task keys` as a process on a temporary data folder (embedded PGlite): a key it creates
 * writes through the app on that folder, is stored only as a hash, and stops working once the
 * task revokes it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { createApp } from "../../app.ts";
import { SECRET_PATTERN } from "../../shared/access/mod.ts";
import { loadConfig } from "../../shared/config.ts";
import { openServices } from "../../shared/services.ts";
import { ABC_REEL } from "../support/scores.ts";
import { FIXTURES } from "../fixtures/models/tiny_model.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Runs `deno task keys` (the script the task runs, with the task's permissions). */
async function keys(args: string[], env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-sys",
      "scripts/keys.ts",
      ...args,
    ],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

/** Uploads a score through the app on the data folder with `secret`; returns the status. */
async function uploadWith(env: Record<string, string>, secret: string) {
  const services = await openServices(loadConfig({ ...env, STAVE_MODELS: FIXTURES }));
  try {
    const body = new FormData();
    body.append("file", new File([ABC_REEL], "reel.abc"));
    body.append("title", "Reel");
    const response = await createApp(services).request("/v1/scores", {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${secret}` },
    });
    const { rows } = await sql<{ row: string }>`select row_to_json(k)::text as row from api_keys k`
      .execute(services.database.db);
    return { status: response.status, detail: (await response.json()).detail, rows };
  } finally {
    await services.close();
  }
}

Deno.test("deno task keys creates, lists and revokes keys in the configured database", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stave-keys-" });
  const env = { STAVE_DATA_DIR: dir };
  try {
    // Mistakes are caught before the database is touched.
    for (
      const [args, message] of [
        [[], /No command/],
        [["rotate"], /Unknown command "rotate"/],
        [["create", "--name", "ci"], /needs --name and --scopes/],
        [["create", "--name", "ci", "--scopes", "read,root"], /Unknown scope "root"/],
        [["create", "--nmae", "ci"], /Unknown option/],
        [["revoke"], /one key id/],
      ] as const
    ) {
      const run = await keys([...args], env);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(run.stderr, message);
      assert.match(run.stderr, /Usage: deno task keys/);
    }

    const created = await keys(["create", "--name", "ci uploader", "--scopes", "write"], env);
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, SECRET_PATTERN, "stdout is the secret alone");
    assert.match(created.stderr, /shown only this once/);
    const id = /Created key ([0-9a-f-]{36}) "ci uploader" \(write\)/.exec(created.stderr)?.[1];
    assert.ok(id, created.stderr);

    const listed = await keys(["list"], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      new RegExp(`^${id}  "ci uploader"  write  created \\S+  last used -  active$`, "m"),
    );
    assert.ok(!listed.stdout.includes(secret) && !listed.stderr.includes(secret));

    const first = await uploadWith(env, secret);
    assert.equal(first.status, 201, first.detail);
    assert.equal(first.rows.length, 1);
    assert.ok(!first.rows[0]!.row.includes(secret), "the table holds no secret");

    const unknown = await keys(["revoke", crypto.randomUUID()], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No API key/);
    assert.equal((await keys(["revoke", "not-a-uuid"], env)).code, 2);

    const revoked = await keys(["revoke", id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`^${id} .*last used \\S+T\\S+  revoked \\S+$`, "m"));

    const after = await uploadWith(env, secret);
    assert.equal(after.status, 401);
    assert.equal(after.detail, "Revoked API key");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
