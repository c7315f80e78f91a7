/**
 * Real services for tests: in-memory PGlite (migrated), a local object store in a temp folder,
 * and the model registry on the committed fixture models.
 *
 * @module
 */
import { createApp } from "../../app.ts";
import { type Config, type Env, loadConfig } from "../../shared/config.ts";
import { openServices, type Services } from "../../shared/services.ts";
import { FIXTURES } from "../fixtures/models/tiny_model.ts";

/** Services plus the temp folder they write into; `close()` removes it. */
export interface TestServices extends Services {
  /** The temp data folder. */
  readonly dataDir: string;
}

/** Opens services on fresh temp storage; `env` overrides configuration variables. */
export async function openTestServices(env: Env = {}): Promise<TestServices> {
  const dataDir = await Deno.makeTempDir({ prefix: "stave-test-" });
  const base = loadConfig({ STAVE_DATA_DIR: dataDir, STAVE_MODELS: FIXTURES, ...env });
  const config: Config = Object.freeze({
    ...base,
    database: env.STAVE_DATABASE_URL
      ? base.database
      : { kind: "pglite" as const, dir: "memory://" },
  });
  const services = await openServices(config);
  return {
    ...services,
    dataDir,
    async close() {
      await services.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/**
 * Runs `body` with an app on fresh test services (passed too, to look behind the API) and closes
 * them after; `env` overrides configuration variables (e.g. `STAVE_MODELS`).
 */
export async function withTestApp(
  env: Env,
  body: (app: ReturnType<typeof createApp>, services: TestServices) => Promise<void>,
): Promise<void> {
  const services = await openTestServices(env);
  try {
    await body(createApp(services), services);
  } finally {
    await services.close();
  }
}
