// Reads the structure of a zod schema (object fields, list elements, map values, scalar kinds) so
// that alias resolution and coercion are driven by the schema instead of a second hand-kept list.
import { z } from "zod";

export type Shape =
  | { kind: "object"; fields: Record<string, z.ZodType>; schema: z.ZodType }
  | { kind: "array"; element: z.ZodType }
  | { kind: "record"; value: z.ZodType }
  | { kind: "string" }
  | { kind: "boolean" }
  | { kind: "enum"; values: string[] }
  | { kind: "other" };

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema with optional/default/nullable wrappers removed. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let def = defOf(s); def.innerType && ["optional", "default", "nullable", "prefault"].includes(def.type); def = defOf(s)) {
    s = def.innerType;
  }
  return s;
}

export function shapeOf(schema: z.ZodType): Shape {
  const s = unwrapSchema(schema);
  const def = defOf(s);
  switch (def.type) {
    case "object":
      return { kind: "object", fields: def.shape ?? {}, schema: s };
    case "array":
      return { kind: "array", element: def.element as z.ZodType };
    case "record":
      return { kind: "record", value: def.valueType as z.ZodType };
    case "string":
      return { kind: "string" };
    case "boolean":
      return { kind: "boolean" };
    case "enum":
      return { kind: "enum", values: Object.values(def.entries ?? {}) };
    default:
      return { kind: "other" };
  }
}

/** The description given to a schema with `.describe()`, looking through optional wrappers. */
export function descriptionOf(schema: z.ZodType): string {
  return schema.description ?? unwrapSchema(schema).description ?? "";
}

/** A check of a value: what is wrong with it, or undefined. */
export type Check = (value: string) => string | undefined;

/**
 * Checks whose message is a warning: the value is kept. Attached to a string schema in schema.ts
 * (`.register(warnings, { warn })`), run by normalize.ts, which knows the value's path and line.
 */
export const warnings = z.registry<{ warn: Check }>();

/** The warning check attached to a schema (looking through optional wrappers). */
export function warningOf(schema: z.ZodType): Check | undefined {
  return (warnings.get(schema) ?? warnings.get(unwrapSchema(schema)))?.warn;
}
