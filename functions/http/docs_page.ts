/**
 * A self-contained HTML page that documents the API from its OpenAPI document: no scripts,
 * no network, so it works behind strict security headers and offline.
 *
 * @module
 */

interface Operation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
}

interface Document {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function operationHtml(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? []).map((p) =>
    `<li><code>${escape(p.name)}</code> (${escape(p.in)}${p.required ? ", required" : ""})${
      p.description ? ` ${escape(p.description)}` : ""
    }</li>`
  ).join("");
  const body = Object.keys(op.requestBody?.content ?? {}).map(escape).join(", ");
  const responses = Object.entries(op.responses ?? {}).map(([status, r]) =>
    `<li><code>${escape(status)}</code> ${escape(r.description ?? "")} <small>${
      Object.keys(r.content ?? {}).map(escape).join(", ")
    }</small></li>`
  ).join("");
  return `<section><h2><code>${method.toUpperCase()} ${escape(path)}</code></h2>
<p>${escape(op.summary ?? "")}</p>${op.description ? `<p>${escape(op.description)}</p>` : ""}
${params ? `<h3>Parameters</h3><ul>${params}</ul>` : ""}
${body ? `<h3>Request body</h3><p>${body}</p>` : ""}
<h3>Responses</h3><ul>${responses}</ul></section>`;
}

/** Renders the docs page for `document` (an OpenAPI 3.1 object). */
export function renderDocsPage(document: Document, specUrl: string): string {
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => operationHtml(method, path, op))
  ).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)} API</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
code{background:#f3f3f3;padding:0 .25rem}section{border-top:1px solid #ccc;margin-top:1.5rem}</style>
</head><body><main>
<h1>${escape(document.info.title)} <small>${escape(document.info.version)}</small></h1>
<p>${escape(document.info.description ?? "")}</p>
<p>Machine-readable: <a href="${escape(specUrl)}">OpenAPI 3.1 document</a>.
Errors are <code>application/problem+json</code> (RFC 9457).</p>
${operations}
</main></body></html>`;
}
