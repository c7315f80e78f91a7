/**
 * Splits a SQL script into statements, respecting quotes, dollar quotes and comments, so that
 * migrations run statement by statement inside one transaction on every driver.
 *
 * @module
 */

/**
 * Returns the statements of `script` without their trailing semicolons; empty ones are dropped.
 *
 * @example
 * ```ts
 * import { splitSqlStatements } from "./sql_statements.ts";
 * const parts = splitSqlStatements("create table t (x text default ';'); select 1;");
 * console.assert(parts.length === 2);
 * ```
 * @throws {SyntaxError} when a quote, dollar quote or block comment is not closed.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const closeAt = (end: string, from: number, what: string): number => {
    const found = script.indexOf(end, from);
    if (found < 0) throw new SyntaxError(`Unterminated ${what} at offset ${from}`);
    return found + end.length;
  };
  while (i < script.length) {
    const ch = script[i]!;
    if (ch === "'" || ch === '"') {
      // A doubled quote inside a literal escapes it; scanning past pairs handles that.
      i = closeAt(ch, i + 1, "quoted text");
    } else if (ch === "-" && script[i + 1] === "-") {
      const eol = script.indexOf("\n", i);
      i = eol < 0 ? script.length : eol + 1;
    } else if (ch === "/" && script[i + 1] === "*") {
      i = closeAt("*/", i + 2, "block comment");
    } else if (ch === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(script.slice(i))?.[0];
      i = tag === undefined ? i + 1 : closeAt(tag, i + tag.length, `dollar quote ${tag}`);
    } else if (ch === ";") {
      statements.push(script.slice(start, i));
      i += 1;
      start = i;
    } else {
      i += 1;
    }
  }
  statements.push(script.slice(start));
  return statements.map((s) => s.trim()).filter((s) => stripComments(s) !== "");
}

function stripComments(statement: string): string {
  return statement.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "").trim();
}
