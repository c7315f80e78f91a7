/**
 * `deno task migrate`: applies pending migrations to the configured database and says which.
 * `deno task start` does the same on its own; this is for deployments that migrate first.
 *
 * @module
 */
import { configOrExit } from "../main.ts";
import { migrate, openDatabase, readMigrations } from "../shared/db/mod.ts";

if (import.meta.main) {
  const config = configOrExit();
  const database = await openDatabase(config.database);
  try {
    const applied = await migrate(database.db, await readMigrations());
    console.log(
      applied.length === 0 ? "Database is up to date" : `Applied: ${applied.join(", ")}`,
    );
  } finally {
    await database.close();
  }
}
