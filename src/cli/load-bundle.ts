// Loads one CommonJS bundle of the agent through vm.Script with the V8 code cache that the build
// wrote beside it (k3os.cjs + k3os.cjs.cache). Under QEMU TCG, compiling the bundle costs far more
// than reading the cache, and Node 20 can code-cache scripts only (no ES modules; no
// module.enableCompileCache before 22.1). A cache V8 refuses (another V8 version or flags) is
// ignored by V8 itself: the bundle then compiles from source as usual.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname } from "node:path";
import { Script } from "node:vm";

/** used: V8 took the cache; rejected: it was there but V8 refused it; missing: no cache file. */
export type CacheState = "used" | "rejected" | "missing";

export interface LoadedBundle {
  exports: Record<string, unknown>;
  cache: CacheState;
  /** Writes the cache from everything compiled so far (the build calls this after a training run). */
  writeCache(): void;
}

// The CommonJS module wrapper, on the bundle's first line so stack-trace line numbers stay right.
const HEAD = "(function (exports, require, module, __filename, __dirname) {";

export function cacheFileOf(bundle: string): string {
  return `${bundle}.cache`;
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export function loadBundle(file: string): LoadedBundle {
  const cachedData = readCache(cacheFileOf(file));
  // The script's name ends up inside the cache: a name that does not depend on where the agent is
  // installed keeps the cache the same bytes in every checkout (reproducible images).
  const filename = `k3os.d/${basename(file)}`;
  const script = new Script(`${HEAD}${readFileSync(file, "utf8")}\n})`, { filename, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cache: cachedData === undefined ? "missing" : script.cachedDataRejected === true ? "rejected" : "used",
    writeCache: () => writeFileSync(cacheFileOf(file), script.createCachedData()),
  };
}
