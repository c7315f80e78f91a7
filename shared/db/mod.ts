/**
 * The database: one factory for PGlite and Postgres, the migrator and the typed tables.
 *
 * @module
 */
export * from "./database.ts";
export * from "./migrate.ts";
export * from "./schema.ts";
export { splitSqlStatements } from "./sql_statements.ts";
