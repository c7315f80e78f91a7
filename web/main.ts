/// <reference lib="dom" />
/**
 * The web app's entry point (bundled to `main.js`): four flows on one page, one shown at a time
 * by the address's fragment (`#read`, `#find`, `#write`, `#library`), so links, the Back button
 * and bookmarks work without a router.
 *
 * @module
 */
import { startFind } from "./find.ts";
import { startLibrary } from "./library.ts";
import { startRead } from "./read.ts";
import { startWrite } from "./write.ts";

const FLOWS = ["read", "find", "write", "library"] as const;
type Flow = typeof FLOWS[number];

startRead();
startFind();
const onShow: Partial<Record<Flow, () => void>> = {
  write: startWrite().shown,
  library: startLibrary().shown,
};

function show() {
  const asked = location.hash.slice(1);
  const flow: Flow = (FLOWS as readonly string[]).includes(asked) ? asked as Flow : "read";
  for (const name of FLOWS) {
    document.getElementById(name)!.hidden = name !== flow;
    const link = document.querySelector(`nav a[href="#${name}"]`)!;
    if (name === flow) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  onShow[flow]?.();
}

addEventListener("hashchange", show);
show();
