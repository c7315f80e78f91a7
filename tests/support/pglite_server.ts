/**
 * Starts PGlite (with pgvector) behind the Postgres wire protocol on 127.0.0.1, so the
 * Postgres-server dialect is tested over a real socket with the `pg` driver.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A running wire-protocol server. */
export interface PostgresTestServer {
  /** A `postgres://` URL for it. */
  readonly url: string;
  /** Stops the server and closes the database. */
  close(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts an in-memory PGlite served on a free loopback port. */
export async function startPostgresServer(): Promise<PostgresTestServer> {
  const db = await PGlite.create("memory://", { extensions: { vector } });
  const port = freePort();
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port });
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
