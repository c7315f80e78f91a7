import assert from "node:assert/strict";
import { splitSqlStatements } from "../../../shared/db/sql_statements.ts";

Deno.test("splitSqlStatements() splits on semicolons and drops empty statements", () => {
  assert.deepEqual(splitSqlStatements("select 1;\n\n select 2 ;;"), ["select 1", "select 2"]);
});

Deno.test("splitSqlStatements() keeps semicolons inside quotes, comments and dollar quotes", () => {
  const script = [
    "insert into t values ('a;b', \"c;d\");",
    "-- a comment; with a semicolon",
    "/* block; comment */ create function f() returns int as $body$ select 1; $body$ language sql;",
    "do $$ begin perform 1; end $$;",
  ].join("\n");
  const parts = splitSqlStatements(script);
  assert.equal(parts.length, 3);
  assert.equal(parts[0], "insert into t values ('a;b', \"c;d\")");
  assert.match(parts[1]!, /\$body\$ select 1; \$body\$ language sql$/);
  assert.equal(parts[2], "do $$ begin perform 1; end $$");
});

Deno.test("splitSqlStatements() drops a trailing comment-only statement", () => {
  assert.deepEqual(splitSqlStatements("select 1; -- done\n"), ["select 1"]);
});

Deno.test("splitSqlStatements() rejects an unterminated quote", () => {
  assert.throws(() => splitSqlStatements("select 'oops;"), SyntaxError);
  assert.throws(() => splitSqlStatements("select $x$ never closed"), /dollar quote \$x\$/);
});
