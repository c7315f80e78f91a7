/**
 * `deno task keys`: manages the API keys of the configured database (embedded PGlite under
 * `$STAVE_DATA_DIR` by default; with it, run while the server is stopped, since one process owns
 * the folder).
 *
 * - `create --name NAME --scopes read,write` makes a key and prints its secret, once, on stdout.
 * - `list` shows every key: id, name, scopes, when made, last used, revoked.
 * - `revoke ID` revokes a key at once; exits 1 when there is no such key.
 *
 * Bad arguments exit 2.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  type ApiKeyInfo,
  createApiKey,
  listApiKeys,
  parseScopes,
  revokeApiKey,
  type Scope,
} from "../shared/access/mod.ts";
import { ConfigError, loadConfig } from "../shared/config.ts";
import { type Database, migrate, openDatabase, readMigrations } from "../shared/db/mod.ts";

const USAGE = `Usage: deno task keys create --name NAME --scopes read,write,admin
       deno task keys list
       deno task keys revoke ID`;

/** A command line, checked before the database is opened. */
type Command =
  | { readonly command: "create"; readonly name: string; readonly scopes: Scope[] }
  | { readonly command: "list" }
  | { readonly command: "revoke"; readonly id: string };

/**
 * Reads the command line.
 *
 * @throws {RangeError} for a missing or unknown command, option or scope (node's parseArgs
 * throws a TypeError for an unknown option).
 */
function parseCommand([command = "", ...args]: readonly string[]): Command {
  if (command === "create") {
    const { values } = parseArgs({
      args,
      options: { name: { type: "string" }, scopes: { type: "string" } },
    });
    if (values.name === undefined || values.scopes === undefined) {
      throw new RangeError("create needs --name and --scopes");
    }
    return { command, name: values.name, scopes: parseScopes(values.scopes) };
  }
  if (command === "list") {
    parseArgs({ args, options: {} });
    return { command };
  }
  if (command === "revoke") {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
    if (positionals.length !== 1) throw new RangeError("revoke needs one key id");
    return { command, id: positionals[0]! };
  }
  throw new RangeError(command === "" ? "No command" : `Unknown command "${command}"`);
}

const time = (date: Date | null) => date === null ? "-" : date.toISOString();

function describe(key: ApiKeyInfo): string {
  return [
    key.id,
    JSON.stringify(key.name),
    key.scopes.join(","),
    `created ${time(key.createdAt)}`,
    `last used ${time(key.lastUsedAt)}`,
    key.revokedAt === null ? "active" : `revoked ${time(key.revokedAt)}`,
  ].join("  ");
}

/** Runs `command` on `database`; returns the exit code. */
async function run(database: Database, command: Command): Promise<number> {
  if (command.command === "create") {
    const { key, secret } = await createApiKey(database.db, command);
    console.error(`Created key ${key.id} "${key.name}" (${key.scopes.join(", ")}).`);
    console.error("Its secret follows; it is shown only this once and cannot be recovered:");
    console.log(secret);
    return 0;
  }
  if (command.command === "list") {
    const keys = await listApiKeys(database.db);
    if (keys.length === 0) console.error("No API keys");
    for (const key of keys) console.log(describe(key));
    return 0;
  }
  const key = await revokeApiKey(database.db, command.id);
  if (key === undefined) {
    console.error(`No API key "${command.id}"`);
    return 1;
  }
  console.log(describe(key));
  return 0;
}

/** Says what is wrong with the command line and exits 2. */
function usage(error: unknown): never {
  // Node's parseArgs throws TypeErrors for unknown options.
  if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
  console.error(`${error.message}\n${USAGE}`);
  Deno.exit(2);
}

if (import.meta.main) {
  let command: Command;
  let config;
  try {
    command = parseCommand(Deno.args);
    // Not main.ts's configOrExit(): that would load the whole app for one table.
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) usage(error);
    console.error(error.message);
    Deno.exit(2);
  }
  const database = await openDatabase(config.database);
  let code = 0;
  try {
    await migrate(database.db, await readMigrations());
    code = await run(database, command);
  } catch (error) {
    // A name out of range or an id that is not a UUID.
    if (!(error instanceof RangeError)) throw error;
    console.error(error.message);
    code = 2;
  } finally {
    await database.close();
  }
  Deno.exit(code);
}
