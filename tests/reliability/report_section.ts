/**
 * `tests/reliability/REPORT.md` is shared by its suites: each rewrites only its own `## ` section.
 *
 * @module
 */

/** The report file. */
export const REPORT = new URL("./REPORT.md", import.meta.url);

/** The report as it is, or its title alone when there is none yet. */
export async function existingReport(): Promise<string> {
  try {
    return await Deno.readTextFile(REPORT);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "# Reliability report\n";
    throw error;
  }
}

/** `report` with its section `heading` (e.g. `## Fuzz`) replaced by `section`, or it appended. */
export function withSection(report: string, heading: string, section: string): string {
  const start = report.indexOf(`\n${heading}\n`);
  if (start === -1) return `${report.trimEnd()}\n\n${section}`;
  const next = report.indexOf("\n## ", start + 1);
  const rest = next === -1 ? "" : report.slice(next);
  return `${report.slice(0, start)}\n${section}${rest}`;
}
