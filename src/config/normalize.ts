// Brings one source's raw data into the schema's shape before validation:
//  - aliases resolved to field names (aliases.ts); unknown keys reported as warnings and dropped;
//  - coercions: a single value where a list is expected becomes a one-item list, "true"/"false"
//    become booleans, numbers and booleans become strings where strings are expected, and YAML
//    `!!binary` content becomes base64 content with `encoding: b64`;
//  - warning checks attached to the schema (shape.ts `warnings`) run on the values they are for.
// Values of the wrong type are left as they are: validation reports them with their location.
import type { z } from "zod";
import { resolveAlias } from "./aliases.ts";
import { formatPath, type PathSegment } from "./problems.ts";
import { shapeOf, warningOf } from "./shape.ts";
import { YamlBinary } from "./yaml-binary.ts";

export interface NormalizeIssue {
  severity: "error" | "warning";
  /** Path in the normalized data. */
  path: PathSegment[];
  /** Path in the source as written (for the line number). */
  rawPath: PathSegment[];
  message: string;
}

export interface Normalized {
  value: unknown;
  issues: NormalizeIssue[];
  /** Normalized path (formatted) → path as written in the source. */
  origins: Map<string, PathSegment[]>;
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, on: true, off: false, "1": true, "0": false };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof YamlBinary);
}

export function normalizeConfig(raw: unknown, schema: z.ZodType): Normalized {
  const out: Normalized = { value: undefined, issues: [], origins: new Map() };
  out.value = normalizeValue(raw, schema, [], [], out);
  return out;
}

function normalizeValue(value: unknown, schema: z.ZodType, path: PathSegment[], rawPath: PathSegment[], out: Normalized): unknown {
  out.origins.set(formatPath(path), rawPath);
  const shape = shapeOf(schema);
  switch (shape.kind) {
    case "object":
      return isPlainObject(value) ? normalizeObject(value, shape.schema, shape.fields, path, rawPath, out) : value;
    case "array": {
      const element = shapeOf(shape.element);
      const single = element.kind === "object" ? isPlainObject(value) : ["string", "number", "boolean"].includes(typeof value);
      const list = single ? [value] : value;
      if (!Array.isArray(list)) return value;
      return list.map((item, i) => normalizeValue(item, shape.element, [...path, i], single ? rawPath : [...rawPath, i], out));
    }
    case "record":
      if (!isPlainObject(value)) return value;
      // A map key named __proto__ cannot be kept in a JavaScript object (the schema would drop it
      // silently): say so instead.
      if (Object.hasOwn(value, "__proto__")) {
        out.issues.push({ severity: "error", path: [...path, "__proto__"], rawPath: [...rawPath, "__proto__"], message: 'a key named "__proto__" is not supported' });
      }
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, normalizeValue(v, shape.value, [...path, k], [...rawPath, k], out)]),
      );
    case "string":
    case "enum": {
      const coerced = typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" ? String(value) : value;
      // A warning only for a value the schema accepts: an invalid one gets its error alone.
      const message = typeof coerced === "string" && schema.safeParse(coerced).success ? warningOf(schema)?.(coerced) : undefined;
      if (message) out.issues.push({ severity: "warning", path, rawPath, message });
      return coerced;
    }
    case "boolean":
      if (typeof value === "string" && value.toLowerCase() in BOOLEAN_WORDS) return BOOLEAN_WORDS[value.toLowerCase()];
      return value;
    default:
      return value;
  }
}

function normalizeObject(
  value: Record<string, unknown>,
  schema: z.ZodType,
  fields: Record<string, z.ZodType>,
  path: PathSegment[],
  rawPath: PathSegment[],
  out: Normalized,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const spelledAs: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = resolveAlias(schema, key);
    if (field === undefined || !(field in fields)) {
      out.issues.push({ severity: "warning", path: [...path, key], rawPath: [...rawPath, key], message: "unknown key (ignored)" });
      continue;
    }
    if (field in spelledAs) {
      out.issues.push({
        severity: "warning",
        path: [...path, field],
        rawPath: [...rawPath, key],
        message: `set twice, as "${spelledAs[field]}" and as "${key}"; the later one wins`,
      });
    }
    spelledAs[field] = key;
    result[field] = normalizeValue(v, fields[field] as z.ZodType, [...path, field], [...rawPath, key], out);
  }
  // YAML `!!binary` content: keep it as base64 text, checked by the schema like `encoding: b64`,
  // so it survives dumps and merges as text. Bytes that are gzip data keep saying so.
  if (result.content instanceof YamlBinary && "encoding" in fields) {
    result.content = result.content.base64;
    if (result.encoding === undefined || result.encoding === "") result.encoding = "b64";
    else if (result.encoding === "gz" || result.encoding === "gzip") result.encoding = "gz+b64";
  }
  return result;
}
