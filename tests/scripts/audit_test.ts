import assert from "node:assert/strict";
import { advisories, checkImports, lockedPackages } from "../../scripts/audit.ts";

Deno.test("checkImports() accepts exact npm versions only", () => {
  const checked = checkImports({
    imports: {
      hono: "npm:hono@4.13.19",
      "hono/": "npm:/hono@4.13.19/",
      "@scope/pkg": "npm:@scope/pkg@1.2.3-beta.1",
      loose: "npm:loose@^1.2.0",
      floating: "npm:floating",
      jsr: "jsr:@std/assert@1.0.0",
    },
  });
  assert.deepEqual(
    checked.filter((i) => !i.pinned).map((i) => i.alias),
    ["loose", "floating", "jsr"],
  );
});

Deno.test("lockedPackages() reads names and versions, peer suffixes dropped", () => {
  const locked = lockedPackages({
    npm: { "@a/b@1.0.0_zod@4.6.7": {}, "@a/b@1.1.0": {}, "c@2.0.0": {} },
  });
  assert.deepEqual([...locked], [["@a/b", ["1.0.0", "1.1.0"]], ["c", ["2.0.0"]]]);
});

Deno.test("advisories() says why it could not check, and reads the registry's answer", async () => {
  let answer: Response = new Response(null, { status: 405 });
  let asked: unknown;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    asked = await req.json();
    return answer;
  });
  const registry = `http://127.0.0.1:${server.addr.port}`;
  try {
    const packages = new Map([["left-pad", ["1.0.0"]]]);
    assert.deepEqual(await advisories(packages, registry), {
      unavailable: "the registry answered the advisory request with HTTP 405",
    });
    assert.deepEqual(asked, { "left-pad": ["1.0.0"] });
    answer = Response.json({
      "left-pad": [{
        severity: "high",
        title: "Pads too much",
        url: "https://example.org/1",
        vulnerable_versions: "<1.1.0",
      }],
    });
    assert.deepEqual(await advisories(packages, registry), {
      advisories: [{
        name: "left-pad",
        severity: "high",
        title: "Pads too much",
        url: "https://example.org/1",
        vulnerableVersions: "<1.1.0",
      }],
    });
  } finally {
    await server.shutdown();
  }
  const closed = await advisories(new Map(), registry);
  assert.ok("unavailable" in closed && /could not be reached/.test(closed.unavailable));
});
