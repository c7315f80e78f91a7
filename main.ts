/**
 * Starts Stave: reads the configuration once, opens the services (migrating the database),
 * serves the app on `$PORT`, and shuts down cleanly on SIGINT/SIGTERM.
 *
 * @module
 */
import { createApp } from "./app.ts";
import { type Config, ConfigError, loadConfig } from "./shared/config.ts";
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

if (import.meta.main) {
  const config = configOrExit();
  const services = await openServices(config);
  const app = createApp(services);
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    onListen: ({ hostname, port }) => console.log(`Stave listening on http://${hostname}:${port}/`),
  }, app.fetch);

  const stop = async () => {
    await server.shutdown();
    await services.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}
