/**
 * Dependency hygiene, `deno task audit [--report]`: every import in `deno.json` pins an exact
 * version; the lock file's packages; which direct dependencies have newer releases
 * (`deno outdated`); and known vulnerabilities of every locked npm package from the npm
 * registry's bulk advisory endpoint, where the registry answers it. `--report` also writes the
 * "Dependencies" section of `tests/reliability/REPORT.md`.
 *
 * Exits 1 when an import is not pinned or an advisory of high or critical severity matches.
 *
 * @module
 */
import { existingReport, REPORT, withSection } from "../tests/reliability/report_section.ts";

/** An import of deno.json and whether it names one exact version. */
export interface PinnedImport {
  readonly alias: string;
  readonly specifier: string;
  readonly pinned: boolean;
}

/** One npm advisory matched by a locked package. */
export interface Advisory {
  readonly name: string;
  readonly severity: string;
  readonly title: string;
  readonly url: string;
  readonly vulnerableVersions: string;
}

const EXACT = /^npm:\/?(@[^/@]+\/)?[^/@]+@\d+\.\d+\.\d+(-[\w.]+)?\/?$/;

/** The imports of a deno.json document, each checked for an exact npm version. */
export function checkImports(config: { imports?: Record<string, string> }): PinnedImport[] {
  return Object.entries(config.imports ?? {}).map(([alias, specifier]) => ({
    alias,
    specifier,
    pinned: EXACT.test(specifier),
  }));
}

/** name -> versions of every npm package a deno.lock document holds (peer suffixes dropped). */
export function lockedPackages(lock: { npm?: Record<string, unknown> }): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of Object.keys(lock.npm ?? {})) {
    const at = key.indexOf("@", 1);
    const name = key.slice(0, at);
    const version = key.slice(at + 1).split("_")[0]!;
    out.set(name, [...new Set([...(out.get(name) ?? []), version])]);
  }
  return out;
}

/** The registry's advisories for `packages`, or why there are none to read. */
export async function advisories(
  packages: Map<string, string[]>,
  registry = "https://registry.npmjs.org",
): Promise<{ advisories: Advisory[] } | { unavailable: string }> {
  let response: Response;
  try {
    response = await fetch(`${registry}/-/npm/v1/security/advisories/bulk`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(Object.fromEntries(packages)),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    return {
      unavailable: `the advisory endpoint could not be reached (${(error as Error).message})`,
    };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return {
      unavailable: `the registry answered the advisory request with HTTP ${response.status}`,
    };
  }
  const body = await response.json() as Record<string, Array<Record<string, string>>>;
  return {
    advisories: Object.entries(body).flatMap(([name, list]) =>
      list.map((a) => ({
        name,
        severity: a.severity ?? "unknown",
        title: a.title ?? "",
        url: a.url ?? "",
        vulnerableVersions: a.vulnerable_versions ?? "",
      }))
    ),
  };
}

async function outdated(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["outdated"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) return `deno outdated failed: ${new TextDecoder().decode(out.stderr).trim()}`;
  return text === "" ? "All direct dependencies are up to date." : text;
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  const imports = checkImports(JSON.parse(await Deno.readTextFile(new URL("deno.json", root))));
  const locked = lockedPackages(JSON.parse(await Deno.readTextFile(new URL("deno.lock", root))));
  const loose = imports.filter((i) => !i.pinned);
  const table = await outdated();
  const vulns = await advisories(locked);
  const serious = "advisories" in vulns
    ? vulns.advisories.filter((a) => a.severity === "high" || a.severity === "critical")
    : [];
  const lines = [
    "## Dependencies",
    "",
    `_Written by \`deno task audit --report\` on ${new Date().toISOString().slice(0, 10)}._`,
    "",
    `- Imports in deno.json: ${imports.length}, pinned to one exact version: ${
      imports.length - loose.length
    }${loose.length ? ` (not pinned: ${loose.map((i) => i.alias).join(", ")})` : ""}.`,
    `- Packages in deno.lock: ${locked.size} npm packages, ${
      [...locked.values()].reduce((n, v) => n + v.length, 0)
    } versions.`,
    "- Known vulnerabilities: " +
    ("advisories" in vulns
      ? `${vulns.advisories.length} advisories matched, ${serious.length} high or critical.`
      : `not checked: ${vulns.unavailable}.`),
    ...("advisories" in vulns
      ? vulns.advisories.map((a) =>
        `  - ${a.severity}: ${a.name} ${a.vulnerableVersions}: ${a.title} (${a.url})`
      )
      : []),
    "- Newer releases of direct dependencies (`deno outdated`):",
    "",
    "```",
    table,
    "```",
    "",
  ];
  console.log(lines.join("\n"));
  if (Deno.args.includes("--report")) {
    await Deno.writeTextFile(
      REPORT,
      withSection(await existingReport(), "## Dependencies", lines.join("\n")),
    );
  }
  if (loose.length > 0 || serious.length > 0) Deno.exit(1);
}
