/**
 * Starts Stave: reads the configuration once, opens the services (migrating the database),
 * serves the app on `$PORT`, preloads the served models in the background (unless
 * `STAVE_PRELOAD_MODELS=false`), and shuts down cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import { createApp } from "./app.ts";
import { type Config, ConfigError, loadConfig } from "./shared/config.ts";
import { preloadModels, type PreloadOutcome, servedModels } from "./shared/models/mod.ts";
import { openServices } from "./shared/services.ts";

/** The configuration, or exit 2 with the `ConfigError` naming the bad variable. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
}

function logPreload(outcome: PreloadOutcome): void {
  if (outcome.ok) console.log(`Model "${outcome.name}" preloaded in ${outcome.ms} ms`);
  // Not fatal: the registry keeps no failed load, so the first request retries it.
  else console.error(`Cannot preload model "${outcome.name}": ${outcome.error}`);
}

if (import.meta.main) {
  const config = configOrExit();
  const services = await openServices(config);
  const app = createApp(services);
  const preload = new AbortController();
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ hostname, port }) => {
      console.log(`Stave listening on http://${hostname}:${port}/`);
      // After listening, so probes answer during the loads; requests meanwhile share them.
      if (config.preloadModels) {
        preloadModels(services.models, servedModels(config), {
          signal: preload.signal,
          onOutcome: logPreload,
        });
      }
    },
  }, app.fetch);

  const stop = async () => {
    preload.abort();
    await server.shutdown();
    await services.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
