// The one merge rule for config sources, later over earlier:
//   maps (objects and string maps) merge key by key, recursively;
//   lists replace the earlier list whole;
//   scalars override.
// (k3OS replaced whole maps, so a config.d file setting one label dropped every other: fixed here.)
import { isPlainObject } from "./normalize.ts";

export function mergeConfig(earlier: unknown, later: unknown): unknown {
  if (later === undefined) return earlier;
  if (isPlainObject(earlier) && isPlainObject(later)) {
    // fromEntries defines own properties, so a key named "__proto__" stays a plain key.
    const keys = new Set([...Object.keys(earlier), ...Object.keys(later)]);
    return Object.fromEntries([...keys].map((k) => [k, Object.hasOwn(later, k) ? mergeConfig(own(earlier, k), later[k]) : earlier[k]]));
  }
  return later;
}

function own(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}
