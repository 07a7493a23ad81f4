// k3s's config file: /etc/rancher/k3s/config.yaml then config.yaml.d/*.yaml (name order). Keys are
// flag names without dashes. As k3s does it, the files become `--key=value` arguments placed before
// the command line's, so a command-line scalar wins and a command-line list adds to the file's.
// Between files a later key replaces an earlier one, and `key+:` appends to it instead.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { dropInDir, isDropInName } from "../layout/config-files.ts";
import { findFlag, UnsupportedFlagError, type NodeCommand } from "./flags.ts";
import type { Logger } from "../../system/log.ts";

export interface ConfigArgs {
  /** The files read, in order. */
  files: string[];
  /** `--name=value` arguments, one per list element. */
  args: string[];
}

/** The drop-in files of a config file, k3s-style: FILE.d/*.yaml|yml in name order, no subdirectories. */
export function listDropInFiles(file: string): string[] {
  const dir = dropInDir(file);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => isDropInName(n) && !statSync(join(dir, n)).isDirectory())
    .sort()
    .map((n) => join(dir, n));
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  const s = scalarText(v).trim();
  return s === "" ? [] : [v];
}

function readYamlMap(file: string): [string, unknown][] {
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new Error(`${file}: ${e.message}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${file}: expected a map of flag names to values`);
  }
  return Object.entries(value as Record<string, unknown>);
}

/**
 * Reads the config file and its drop-ins into arguments for `command`. A missing default file is not
 * an error; a missing file the user named is (unless drop-ins exist, as in k3s). Keys valid only for
 * the other command are skipped with a warning, as k3s does; keys that name no supported flag are
 * refused, so a setting is never silently dropped.
 */
export function readConfigArgs(
  file: string,
  command: NodeCommand,
  opts: { explicit: boolean; log?: Logger },
): ConfigArgs {
  const dropIns = listDropInFiles(file);
  const files = existsSync(file) ? [file, ...dropIns] : dropIns;
  if (files.length === 0) {
    if (opts.explicit) throw new Error(`config file ${file} does not exist`);
    return { files: [], args: [] };
  }
  const order: string[] = [];
  const values = new Map<string, unknown>();
  for (const f of files) {
    for (const [rawKey, v] of readYamlMap(f)) {
      const append = rawKey.endsWith("+");
      const key = append ? rawKey.slice(0, -1) : rawKey;
      if (!values.has(key)) order.push(key);
      values.set(key, append && values.has(key) ? [...toList(values.get(key)), ...toList(v)] : v);
    }
  }
  const args: string[] = [];
  for (const key of order) {
    const spec = findFlag(key);
    if (!spec || key === "config" || key === "c") {
      throw new UnsupportedFlagError(key, command, `in ${files.join(", ")}`);
    }
    if (!spec.commands.includes(command)) {
      opts.log?.warn(`config key ${key} applies to k3s ${spec.commands.join("/")} only, skipping it`);
      continue;
    }
    // Always the long name, whatever alias the file used.
    const v = values.get(key);
    if (Array.isArray(v)) for (const item of v) args.push(`--${spec.name}=${scalarText(item)}`);
    else args.push(`--${spec.name}=${scalarText(v)}`);
  }
  return { files, args };
}
