// Loads the merged config: read every source, normalize it to the schema's shape, validate it,
// and merge the valid ones in order. A source with errors is reported and left out; the rest count.
import type { z } from "zod";
import { mergeConfig } from "./merge.ts";
import { normalizeConfig } from "./normalize.ts";
import { describeType, formatPath, type PathSegment, type Problem } from "./problems.ts";
import { configSchema, type Config } from "./schema.ts";
import { resolveAlias } from "./aliases.ts";
import { readSources, type RawSource, type UserdataScript } from "./sources.ts";

export interface LoadedConfig {
  config: Config;
  problems: Problem[];
  /** Sources merged, in order. */
  used: string[];
  /** Sources left out because of errors. */
  skipped: string[];
  userdataScript?: UserdataScript;
}

const EXPECTED: Record<string, string> = {
  array: "a list",
  record: "a map",
  object: "a map",
  map: "a map",
  string: "a string",
  boolean: "true or false",
  number: "a number",
};

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function messageFor(issue: z.core.$ZodIssue, data: unknown): string {
  const actual = valueAt(data, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (actual === undefined) return "is required";
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeType(actual)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(actual)}`;
    default:
      return issue.message;
  }
}

/** Validates one source; returns its data in the schema's shape and its problems. */
export function validateSource(source: RawSource): { data?: Config; problems: Problem[] } {
  const problems = [...source.problems];
  if (source.data === undefined) return { problems };
  const normalized = normalizeConfig(source.data, configSchema);
  const originOf = (path: PathSegment[]): PathSegment[] => {
    for (let n = path.length; n >= 0; n--) {
      const raw = normalized.origins.get(formatPath(path.slice(0, n)));
      if (raw) return [...raw, ...path.slice(n)];
    }
    return path;
  };
  const problem = (severity: Problem["severity"], path: PathSegment[], rawPath: PathSegment[], message: string): Problem => {
    const line = source.locate(rawPath);
    const word = source.describe?.(rawPath);
    return {
      severity,
      source: source.name,
      ...(line !== undefined ? { line } : {}),
      path: formatPath(path),
      message: word ? `${message} (from "${word}")` : message,
    };
  };
  for (const i of normalized.issues) problems.push(problem(i.severity, i.path, i.rawPath, i.message));
  const result = configSchema.safeParse(normalized.value);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
      problems.push(problem("error", path, originOf(path), messageFor(issue, normalized.value)));
    }
  }
  const failed = problems.some((p) => p.severity === "error");
  return failed || !result.success ? { problems } : { data: result.data, problems };
}

export function isTopLevelKey(key: string): boolean {
  return resolveAlias(configSchema, key) !== undefined && key.toLowerCase() !== "k3os";
}

/** Merges validated sources in order. */
export function mergeSources(sources: RawSource[]): Omit<LoadedConfig, "userdataScript"> {
  let merged: unknown = {};
  const problems: Problem[] = [];
  const used: string[] = [];
  const skipped: string[] = [];
  for (const source of sources) {
    const v = validateSource(source);
    problems.push(...v.problems);
    if (v.data === undefined) {
      skipped.push(source.name);
      continue;
    }
    used.push(source.name);
    merged = mergeConfig(merged, v.data);
  }
  return { config: configSchema.parse(merged), problems, used, skipped };
}

/** Reads, validates and merges every config source under root. */
export async function loadConfig(root: string): Promise<LoadedConfig> {
  const { sources, userdataScript } = await readSources(root, isTopLevelKey);
  return { ...mergeSources(sources), ...(userdataScript ? { userdataScript } : {}) };
}
