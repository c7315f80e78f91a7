import assert from "node:assert/strict";
import { sql } from "kysely";
import {
  migrate,
  MigrationChangedError,
  openDatabase,
  readMigrations,
} from "../../../shared/db/mod.ts";
import { startPostgresServer } from "../../support/pglite_server.ts";

const score = (key: string) => ({
  title: "Enchanted Valley",
  object_key: key,
  content_type: "text/vnd.abc",
  sha256: "ab".repeat(32),
  bytes: 1234,
});

Deno.test("migrate() applies every migration once and records it", async () => {
  const database = await openDatabase({ kind: "pglite", dir: "memory://" });
  try {
    const migrations = await readMigrations();
    assert.deepEqual(await migrate(database.db, migrations), migrations.map((m) => m.name));
    assert.deepEqual(await migrate(database.db, migrations), []);
    const rows = await database.db.selectFrom("stave_migrations").select(["id", "name"])
      .orderBy("id").execute();
    assert.deepEqual(rows, migrations.map(({ id, name }) => ({ id, name })));
  } finally {
    await database.close();
  }
});

Deno.test("migrate() refuses a migration edited after it was applied", async () => {
  const database = await openDatabase({ kind: "pglite", dir: "memory://" });
  try {
    const migrations = await readMigrations();
    await migrate(database.db, migrations);
    const edited = migrations.map((m, i) => i === 0 ? { ...m, sha256: "0".repeat(64) } : m);
    await assert.rejects(migrate(database.db, edited), MigrationChangedError);
  } finally {
    await database.close();
  }
});

Deno.test("migrate() rolls back every pending migration when one fails", async () => {
  const dir = await Deno.makeTempDir();
  const database = await openDatabase({ kind: "pglite", dir: "memory://" });
  try {
    await Deno.writeTextFile(`${dir}/0001_good.sql`, "create table good (id int);");
    await Deno.writeTextFile(`${dir}/0002_bad.sql`, "create table bad (id nonsense_type);");
    const migrations = await readMigrations(new URL(`file://${dir}/`));
    await assert.rejects(migrate(database.db, migrations), /nonsense_type/);
    const tables = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.tables
      where table_name in ('good', 'stave_migrations')`.execute(database.db);
    assert.equal(tables.rows[0]!.n, 0);
  } finally {
    await database.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readMigrations() rejects a misnamed migration file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/1_init.sql`, "select 1;");
    await assert.rejects(readMigrations(new URL(`file://${dir}/`)), /Invalid migration file name/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDatabase() PGlite data survives a restart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await openDatabase({ kind: "pglite", dir });
    await migrate(first.db, await readMigrations());
    await first.db.insertInto("scores").values(score("scores/a.abc")).execute();
    await first.close();

    const second = await openDatabase({ kind: "pglite", dir });
    try {
      assert.deepEqual(await migrate(second.db, await readMigrations()), []);
      const row = await second.db.selectFrom("scores").selectAll().executeTakeFirstOrThrow();
      assert.equal(row.object_key, "scores/a.abc");
      assert.equal(row.bytes, 1234);
      assert.ok(row.created_at instanceof Date);
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDatabase() PGlite has pgvector", async () => {
  const database = await openDatabase({ kind: "pglite", dir: "memory://" });
  try {
    await migrate(database.db, await readMigrations());
    const { rows } = await sql<{ d: number }>`
      select ('[1,0]'::vector <=> '[0,1]'::vector)::float8 as d`.execute(database.db);
    assert.equal(rows[0]!.d, 1);
  } finally {
    await database.close();
  }
});

Deno.test("a failed transaction writes no row", async () => {
  const database = await openDatabase({ kind: "pglite", dir: "memory://" });
  try {
    await migrate(database.db, await readMigrations());
    await assert.rejects(
      database.db.transaction().execute(async (tx) => {
        await tx.insertInto("scores").values(score("scores/ok.abc")).execute();
        await tx.insertInto("scores").values({ ...score("scores/bad.abc"), sha256: "nothex" })
          .execute();
      }),
      /check constraint/,
    );
    const count = await database.db.selectFrom("scores").select((eb) =>
      eb.fn.countAll<number>()
        .as("n")
    ).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0);
  } finally {
    await database.close();
  }
});

Deno.test("concurrent queries on PGlite wait for an open transaction", async () => {
  const database = await openDatabase({ kind: "pglite", dir: "memory://" });
  try {
    await migrate(database.db, await readMigrations());
    const seen: number[] = [];
    await Promise.all([
      database.db.transaction().execute(async (tx) => {
        await tx.insertInto("scores").values(score("scores/t.abc")).execute();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await tx.deleteFrom("scores").execute();
      }),
      database.db.selectFrom("scores").selectAll().execute().then((rows) => seen.push(rows.length)),
    ]);
    // The read ran before or after the transaction, never inside it.
    assert.deepEqual(seen, [0]);
  } finally {
    await database.close();
  }
});

Deno.test("openDatabase() Postgres server dialect migrates and queries over a socket", async () => {
  const server = await startPostgresServer();
  try {
    const database = await openDatabase({ kind: "postgres", url: server.url });
    try {
      assert.equal(database.kind, "postgres");
      await database.ping();
      const migrations = await readMigrations();
      assert.equal((await migrate(database.db, migrations)).length, migrations.length);
      assert.deepEqual(await migrate(database.db, migrations), []);
      await database.db.insertInto("scores").values(score("scores/pg.abc")).execute();
      const row = await database.db.selectFrom("scores").selectAll().executeTakeFirstOrThrow();
      assert.equal(row.bytes, 1234);
      assert.equal(typeof row.id, "string");
    } finally {
      await database.close();
    }
  } finally {
    await server.close();
  }
});
