/**
 * The dependencies every function uses, built once per process from the configuration:
 * the database (migrated), the object store and the model registry.
 *
 * @module
 */
import type { Config } from "./config.ts";
import { type Database, migrate, openDatabase, readMigrations } from "./db/mod.ts";
import { createModelRegistry, type ModelRegistry } from "./models/mod.ts";
import { createObjectStore, type ObjectStore } from "./storage/mod.ts";

/** What a request handler may use. */
export interface Services {
  /** The configuration the process started with. */
  readonly config: Config;
  /** The database, migrated. */
  readonly database: Database;
  /** Uploads and artifacts. */
  readonly store: ObjectStore;
  /** ONNX sessions, loaded lazily. */
  readonly models: ModelRegistry;
  /** Releases everything. */
  close(): Promise<void>;
}

/**
 * Opens the database (applying pending migrations), the object store and the model registry.
 *
 * @example
 * ```ts ignore
 * import { loadConfig } from "./config.ts";
 * import { openServices } from "./services.ts";
 * const services = await openServices(loadConfig());
 * await services.close();
 * ```
 */
export async function openServices(config: Config): Promise<Services> {
  const database = await openDatabase(config.database);
  try {
    await migrate(database.db, await readMigrations());
  } catch (error) {
    await database.close();
    throw error;
  }
  const store = createObjectStore(config.store);
  const models = createModelRegistry(config);
  return {
    config,
    database,
    store,
    models,
    async close() {
      await models.close();
      await store.close?.();
      await database.close();
    },
  };
}
