// A YAML document as a config source: its data, its syntax problems with lines, and the line of any
// key. Linear in the document's size: the yaml library's own duplicate-key check compares each key
// with every earlier one (a 40k-key file took seconds), so keys are checked here with a Set, and
// line lookups go through a per-map index built once.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node, type Pair, type YAMLMap } from "yaml";
import type { PathSegment, Problem } from "./problems.ts";
import type { RawSource } from "./sources.ts";
import { binaryTag, YamlBinary } from "./yaml-binary.ts";

/** The string a scalar key is compared and looked up by. */
function keyOf(pair: unknown): string | undefined {
  return isPair(pair) && isScalar(pair.key) ? String(pair.key.value) : undefined;
}

/** Offsets of keys that repeat an earlier key of the same map (the library's "Map keys must be unique"). */
function duplicateKeyOffsets(doc: ReturnType<typeof parseDocument>): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = keyOf(pair);
        // `<<` may repeat: each is a merge of other maps, not a key.
        if (key === undefined || key === "<<") continue;
        if (seen.has(key)) offsets.push((pair.key as Node).range?.[0] ?? 0);
        seen.add(key);
      }
    },
  });
  return offsets;
}

/** Parses YAML text as a config source; every syntax error is reported with its line. */
export function parseYamlSource(name: string, text: string): RawSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { customTags: [binaryTag], merge: true, uniqueKeys: false, lineCounter, prettyErrors: false });
  const problems: Problem[] = [];
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const error = (offset: number, message: string) => problems.push({ severity: "error", source: name, line: lineAt(offset), path: "", message: `invalid YAML: ${message}` });
  for (const e of doc.errors) error(e.pos[0], e.message.split("\n")[0] ?? "");
  for (const w of doc.warnings) {
    problems.push({ severity: "warning", source: name, line: lineAt(w.pos[0]), path: "", message: w.message.split("\n")[0] ?? "" });
  }
  for (const offset of duplicateKeyOffsets(doc)) error(offset, "Map keys must be unique");
  let data: unknown = undefined;
  if (problems.every((p) => p.severity !== "error")) {
    try {
      // toJS resolves aliases: an unknown alias or an alias bomb throws here.
      data = doc.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (e) {
      problems.push({ severity: "error", source: name, line: 1, path: "", message: `invalid YAML: ${(e as Error).message}` });
      return { name, data: undefined, problems, locate: () => undefined };
    }
    if (typeof data !== "object" || Array.isArray(data) || data instanceof YamlBinary) {
      problems.push({ severity: "error", source: name, line: 1, path: "", message: "expected a map of config keys at the top level" });
      data = undefined;
    }
  }
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const indexOf = (map: YAMLMap): Map<string, Pair> => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        const key = keyOf(pair);
        if (key !== undefined && !index.has(key)) index.set(key, pair as Pair);
      }
      indexes.set(map, index);
    }
    return index;
  };
  const locate = (rawPath: PathSegment[]): number | undefined => {
    let node: unknown = doc.contents;
    let offset: number | undefined = (node as Node | null)?.range?.[0];
    for (const seg of rawPath) {
      if (isMap(node)) {
        const pair = indexOf(node).get(String(seg));
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        node = node.items[seg];
        offset = (node as Node | null)?.range?.[0] ?? offset;
      } else break;
    }
    return offset === undefined ? undefined : lineAt(offset);
  };
  return { name, data, problems, locate };
}
