/**
 * @module A small, strict XML reader and writer helpers for MEI (elements, attributes, text).
 */

/** One parsed XML element: name with prefix kept, attributes, child elements, and its direct text. */
export interface XmlElement {
  /** Qualified tag name, e.g. `note` or `mei:note`. */
  name: string;
  /** Attributes by qualified name (`xml:id` keeps its prefix). */
  attrs: Record<string, string>;
  /** Child elements in document order. */
  children: XmlElement[];
  /** Concatenated direct text content, entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/** Escapes text for use in XML content or a double-quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * Parses an XML document and returns its root element.
 *
 * @example
 * ```ts
 * import { parseXml } from "./xml.ts";
 * const root = parseXml('<a x="1"><b>hi</b></a>');
 * console.assert(root.children[0]?.text === "hi");
 * ```
 */
export function parseXml(src: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    const textEnd = lt === -1 ? src.length : lt;
    if (textEnd > i && stack.length > 0) {
      const t = src.slice(i, textEnd);
      if (t.trim() !== "") stack[stack.length - 1]!.text += decode(t);
    }
    if (lt === -1) break;
    if (src.startsWith("<!--", lt)) {
      const end = src.indexOf("-->", lt + 4);
      if (end === -1) throw new SyntaxError("Cannot parse XML: unterminated comment");
      i = end + 3;
    } else if (src.startsWith("<![CDATA[", lt)) {
      const end = src.indexOf("]]>", lt);
      if (end === -1) throw new SyntaxError("Cannot parse XML: unterminated CDATA");
      if (stack.length > 0) stack[stack.length - 1]!.text += src.slice(lt + 9, end);
      i = end + 3;
    } else if (src[lt + 1] === "?" || src[lt + 1] === "!") {
      const end = src.indexOf(">", lt);
      if (end === -1) throw new SyntaxError("Cannot parse XML: unterminated declaration");
      i = end + 1;
    } else if (src[lt + 1] === "/") {
      const end = src.indexOf(">", lt);
      const name = src.slice(lt + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== name) {
        throw new SyntaxError(`Cannot parse XML: unexpected closing tag "${name}"`);
      }
      i = end + 1;
    } else {
      const end = findTagEnd(src, lt);
      const selfClosing = src[end - 1] === "/";
      const body = src.slice(lt + 1, selfClosing ? end - 1 : end);
      const m = /^[^\s/>]+/.exec(body);
      if (!m) throw new SyntaxError(`Cannot parse XML: bad tag at offset ${lt}`);
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: "" };
      ATTR.lastIndex = m[0].length;
      for (let a = ATTR.exec(body); a; a = ATTR.exec(body)) {
        el.attrs[a[1]!] = decode(a[2] ?? a[3] ?? "");
      }
      if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
      else if (!root) root = el;
      else throw new SyntaxError("Cannot parse XML: more than one root element");
      if (!selfClosing) stack.push(el);
      i = end + 1;
    }
  }
  if (!root) throw new SyntaxError("Cannot parse XML: no root element");
  if (stack.length > 0) {
    throw new SyntaxError(`Cannot parse XML: unclosed tag "${stack.at(-1)!.name}"`);
  }
  return root;
}

/** Finds the `>` that ends a start tag, skipping quoted attribute values. */
function findTagEnd(src: string, from: number): number {
  let quote = "";
  for (let j = from + 1; j < src.length; j++) {
    const c = src[j];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") return j;
  }
  throw new SyntaxError("Cannot parse XML: unterminated tag");
}

/** Local name of an element (namespace prefix removed). */
export function localName(el: XmlElement): string {
  const c = el.name.indexOf(":");
  return c === -1 ? el.name : el.name.slice(c + 1);
}

/** Yields every descendant element (depth first, document order), the element itself first. */
export function* walkXml(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (const c of el.children) yield* walkXml(c);
}
