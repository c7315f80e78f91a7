/**
 * Scoped API keys, hashed at rest: a key's secret is 32 random bytes, base64url, after the
 * prefix `stv_`; it is returned once, when the key is made, and only its sha256 is stored.
 *
 * @module
 */
import type { Kysely, Selectable } from "kysely";
import type { ApiKeysTable, Tables } from "../db/schema.ts";
import { sha256Hex } from "../sha256.ts";
import { parseScopes, type Scope } from "./scopes.ts";

/** The prefix of every secret, so that a leaked one is recognisable in logs and by scanners. */
export const SECRET_PREFIX = "stv_";

/** The shape of a secret: the prefix and 32 bytes as unpadded base64url (43 characters). */
export const SECRET_PATTERN: RegExp = /^stv_[A-Za-z0-9_-]{43}$/;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An API key as `deno task keys list` shows it: never its secret. */
export interface ApiKeyInfo {
  /** The key's id. */
  readonly id: string;
  /** Who or what holds it. */
  readonly name: string;
  /** What it may do. */
  readonly scopes: readonly Scope[];
  /** When it was made. */
  readonly createdAt: Date;
  /** When it was revoked, or `null`. */
  readonly revokedAt: Date | null;
  /** When it was last admitted (to the minute), or `null`. */
  readonly lastUsedAt: Date | null;
}

/** A key just made: its description and its secret, which nothing can show again. */
export interface CreatedApiKey {
  /** The stored key. */
  readonly key: ApiKeyInfo;
  /** The secret the holder presents as `Authorization: Bearer <secret>`. */
  readonly secret: string;
}

/** What {@linkcode createApiKey} needs. */
export interface NewApiKey {
  /** Who or what will hold the key, 1 to 100 characters. */
  readonly name: string;
  /** What it may do: scope names, or a comma-separated list of them. */
  readonly scopes: readonly Scope[] | string;
}

type Row = Omit<Selectable<ApiKeysTable>, "secret_sha256">;

const INFO_COLUMNS = ["id", "name", "scopes", "created_at", "revoked_at", "last_used_at"] as const;

function info(row: Row): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * A new secret: {@linkcode SECRET_PREFIX} and 32 bytes from the system's CSPRNG, base64url.
 *
 * @example
 * ```ts
 * import { newSecret, SECRET_PATTERN } from "./api_keys.ts";
 * console.assert(SECRET_PATTERN.test(newSecret()));
 * ```
 */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return SECRET_PREFIX + bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * Makes a key with a fresh secret and stores its sha256.
 *
 * @example
 * ```ts
 * import { createApiKey } from "./api_keys.ts";
 * import { migrate, openDatabase, readMigrations } from "../db/mod.ts";
 * const database = await openDatabase({ kind: "pglite", dir: "memory://" });
 * await migrate(database.db, await readMigrations());
 * const { key, secret } = await createApiKey(database.db, { name: "ci", scopes: "read,write" });
 * console.assert(key.scopes.join() === "read,write" && secret.startsWith("stv_"));
 * await database.close();
 * ```
 * @throws {RangeError} when the name is blank or too long, or a scope is unknown.
 */
export async function createApiKey(db: Kysely<Tables>, request: NewApiKey): Promise<CreatedApiKey> {
  const name = request.name.trim();
  if (name.length < 1 || name.length > 100) {
    throw new RangeError(`Invalid key name "${name}": expected 1 to 100 characters`);
  }
  const scopes = parseScopes(
    typeof request.scopes === "string" ? request.scopes : request.scopes.join(","),
  );
  const secret = newSecret();
  const row = await db.insertInto("api_keys")
    .values({ name, scopes, secret_sha256: await sha256Hex(secret) })
    .returning(INFO_COLUMNS)
    .executeTakeFirstOrThrow();
  return { key: info(row), secret };
}

/**
 * Every key, revoked ones included, oldest first.
 *
 * @example
 * ```ts ignore
 * for (const key of await listApiKeys(db)) console.log(key.id, key.name, key.scopes);
 * ```
 */
export async function listApiKeys(db: Kysely<Tables>): Promise<ApiKeyInfo[]> {
  const rows = await db.selectFrom("api_keys").select(INFO_COLUMNS)
    .orderBy("created_at").orderBy("id").execute();
  return rows.map(info);
}

/**
 * Revokes the key `id` (a key revoked before keeps its first revocation time); `undefined` when
 * there is no such key.
 *
 * @example
 * ```ts ignore
 * const revoked = await revokeApiKey(db, id);
 * console.assert(revoked?.revokedAt instanceof Date);
 * ```
 * @throws {RangeError} when `id` is not a UUID.
 */
export async function revokeApiKey(
  db: Kysely<Tables>,
  id: string,
): Promise<ApiKeyInfo | undefined> {
  if (!UUID.test(id)) throw new RangeError(`Invalid key id "${id}": expected a UUID`);
  const row = await db.updateTable("api_keys")
    .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.fn<Date>("now", [])) }))
    .where("id", "=", id)
    .returning(INFO_COLUMNS)
    .executeTakeFirst();
  return row === undefined ? undefined : info(row);
}
