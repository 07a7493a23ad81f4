// Paths inside a root directory (`--root`): every file the agent reads or writes is addressed as an
// absolute path on the node and resolved here, so that nothing escapes the root.
import { lstat, readlink } from "node:fs/promises";
import { posix } from "node:path";

/** Joins an absolute node path to root lexically; `..` cannot climb above root. */
export function inRoot(root: string, path: string): string {
  const clean = posix.normalize(posix.join("/", path));
  return root === "/" ? clean : posix.join(root, clean);
}

/**
 * Resolves a node path under root the way the node would see it, following symlinks as if root
 * were `/` (an absolute link target is taken inside root, `..` stops at root). The result is always
 * inside root, even for links that point outside it.
 */
export async function resolveInRoot(root: string, path: string, maxLinks = 40): Promise<string> {
  const pending = posix.normalize(posix.join("/", path)).split("/").filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === "..") {
      done.pop();
      continue;
    }
    if (part === ".") continue;
    const candidate = inRoot(root, `/${[...done, part].join("/")}`);
    let isLink = false;
    try {
      isLink = (await lstat(candidate)).isSymbolicLink();
    } catch {
      // Missing components are fine: the caller is about to create them.
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++links > maxLinks) throw new Error(`too many symbolic links resolving ${path}`);
    const target = await readlink(candidate);
    if (target.startsWith("/")) done.length = 0;
    pending.unshift(...target.split("/").filter(Boolean));
  }
  return inRoot(root, `/${done.join("/")}`);
}
