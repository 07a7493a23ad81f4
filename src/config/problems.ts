// A problem found in a config source: where (file and line, or the cmdline key), which key, what.
import { YamlBinary } from "./yaml-binary.ts";

export type PathSegment = string | number;

export interface Problem {
  severity: "error" | "warning";
  /** The file (as a path inside the root) or "cmdline". */
  source: string;
  line?: number;
  /** YAML path of the key, e.g. "k3os.labels" or "write_files[0].path"; empty for the whole source. */
  path: string;
  message: string;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.source}:${p.line}` : p.source;
  const prefix = p.severity === "warning" ? "warning: " : "";
  return `${prefix}${where}: ${p.path ? `${p.path}: ` : ""}${p.message}`;
}

/** Describes a value's type the way a YAML author thinks of it. */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array || value instanceof YamlBinary) return "binary data";
  switch (typeof value) {
    case "object":
      return "a map";
    case "string":
      return "a string";
    case "number":
    case "bigint":
      return "a number";
    case "boolean":
      return "a boolean";
    default:
      return typeof value;
  }
}
