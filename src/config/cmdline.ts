// The kernel command line as a config source.
//   k3os.a.b=v                     nested key a.b under k3os
//   k3os.modules=a k3os.modules=b  a repeated key makes a list
//   k3os.sysctls[kernel.printk]="4 4 1 7"   bracketed map keys may contain dots; quotes allow spaces
//   k3os.install.silent            no value means "true"
//   hostname=x                     a bare key is a top-level key (only those the schema knows)
// Keys that select the boot mode (k3os.mode, k3os.fallback_mode) are the initramfs's, not config.
import type { PathSegment } from "./problems.ts";

/** Cmdline keys under `k3os.` that are read by the boot flow and are not config keys. */
export const BOOT_ONLY_KEYS = new Set(["mode", "fallback_mode", "debug", "rescue"]);

/** Splits a kernel command line into words the way the kernel does: spaces, with "double quotes". */
export function tokenizeCmdline(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Splits `k3os.sysctls[kernel.printk]` into ["k3os", "sysctls", "kernel.printk"]; undefined if malformed. */
export function parseCmdlineKey(key: string): string[] | undefined {
  const path: string[] = [];
  let i = 0;
  while (i < key.length) {
    if (key[i] === "[") {
      const end = key.indexOf("]", i);
      if (end < 0) return undefined;
      path.push(key.slice(i + 1, end));
      i = end + 1;
      if (i < key.length && key[i] === ".") i++;
    } else {
      let end = i;
      while (end < key.length && key[end] !== "." && key[end] !== "[") end++;
      const seg = key.slice(i, end);
      if (seg === "") return undefined;
      path.push(seg);
      i = end < key.length && key[end] === "." ? end + 1 : end;
      if (end < key.length && key[end] === "." && end + 1 === key.length) return undefined;
    }
  }
  return path.length > 0 && path.every((p) => p !== "") ? path : undefined;
}

export interface CmdlineConfig {
  data: Record<string, unknown>;
  /** Formatted raw path → the word it came from, for messages. */
  words: Map<string, string>;
}

/**
 * Builds config data from the cmdline words. `isTopLevelKey` tells which bare words are config keys
 * (the kernel's own parameters such as `console=` or `quiet` are not).
 */
export function parseCmdline(text: string, isTopLevelKey: (key: string) => boolean): CmdlineConfig {
  const data: Record<string, unknown> = {};
  const words = new Map<string, string>();
  for (const word of tokenizeCmdline(text)) {
    const eq = word.indexOf("=");
    const rawKey = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? "true" : word.slice(eq + 1);
    const path = parseCmdlineKey(rawKey);
    if (!path) continue;
    if (path[0] === "k3os") {
      if (path.length < 2 || (path.length === 2 && BOOT_ONLY_KEYS.has(path[1] as string))) continue;
    } else if (!(path.length === 1 && isTopLevelKey(path[0] as string))) {
      continue;
    }
    putValue(data, path, value);
    words.set(path.join("\u0000"), word);
  }
  return { data, words };
}

function putValue(data: Record<string, unknown>, path: string[], value: string): void {
  // defineProperty, so that a key named "__proto__" is a plain key and not the object's prototype.
  const set = (o: Record<string, unknown>, k: string, v: unknown) =>
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  let node: Record<string, unknown> = data;
  for (const seg of path.slice(0, -1)) {
    const next = Object.hasOwn(node, seg) ? node[seg] : undefined;
    if (typeof next !== "object" || next === null || Array.isArray(next)) set(node, seg, {});
    node = node[seg] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  const existing = Object.hasOwn(node, last) ? node[last] : undefined;
  if (existing === undefined) set(node, last, value);
  else if (Array.isArray(existing)) existing.push(value);
  else if (typeof existing === "string") set(node, last, [existing, value]);
  else set(node, last, value); // a scalar after a map at the same key: the later word wins
}

/** The cmdline word a raw path came from, or the key spelled as on the cmdline. */
export function cmdlineWordFor(words: Map<string, string>, rawPath: PathSegment[]): string {
  for (let n = rawPath.length; n > 0; n--) {
    const w = words.get(rawPath.slice(0, n).map(String).join("\u0000"));
    if (w) return w;
  }
  return rawPath.join(".");
}
