// The one argument parser of the `k3s` command: node:util parseArgs with strict: true, driven by an
// option table (the node flags of flags.ts, or a subcommand's few options). What it adds to
// parseArgs is what k3s's flag library (urfave/cli over Go's flag package) accepts and parseArgs
// does not: `--bool=true|false` (config files write booleans that way), and `-t=x` meaning the
// value "x" (parseArgs would read "=x"). A repeated single-valued flag keeps its last value, as in
// k3s: that is how a command-line scalar overrides the config file's, which comes first.
import { parseArgs } from "node:util";

export interface OptionSpec {
  /** Long name without dashes. */
  name: string;
  short?: string;
  env?: string;
  /** "int" values are parsed as strings (the settings schema checks them). */
  kind: "string" | "bool" | "list" | "int";
  default?: string;
  help: string;
}

/** A command line the command cannot act on: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface ParsedArgs {
  /** By long name: a string, a boolean, or a list of strings (list options). */
  values: Map<string, string | boolean | string[]>;
  positionals: string[];
}

export interface ParseOptions {
  /** Names the command in messages, e.g. "k3s server". */
  command: string;
  /** How many positionals are accepted (default none). */
  positionals?: { min: number; max: number };
  /** The error for an option not in the table (default: a UsageError naming it). */
  unknown?: (flag: string) => Error;
}

export function parseBool(flag: string, value: string): boolean {
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw new UsageError(`--${flag}: expected true or false, got "${value}"`);
}

/** True when the arguments ask for help (before a `--` that ends the options). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/**
 * Rewrites what parseArgs reads differently from k3s: `-x=v` becomes `--long=v`, and `--bool=v`
 * becomes `--bool`, its index noted in `falses` when v says false.
 */
function normalize(specs: readonly OptionSpec[], args: readonly string[]): { args: string[]; falses: Set<number> } {
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: string[] = [];
  const falses = new Set<number>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      out.push(...args.slice(i));
      break;
    }
    const short = /^-([^-])=(.*)$/s.exec(a);
    const s = short ? byShort.get(short[1]!) : undefined;
    const arg = s ? `--${s.name}=${short![2]}` : a;
    const long = /^--([^=]+)=(.*)$/s.exec(arg);
    const spec = long ? byName.get(long[1]!) : undefined;
    if (spec?.kind === "bool") {
      if (!parseBool(spec.name, long![2]!)) falses.add(out.length);
      out.push(`--${spec.name}`);
    } else out.push(arg);
  }
  return { args: out, falses };
}

function explain(e: unknown, o: ParseOptions): Error {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) return e as Error;
  const message = (e as Error).message;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
    return o.unknown ? o.unknown(flag) : new UsageError(`${o.command}: flag ${flag} is not supported`);
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return new UsageError(`${o.command}: unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ""}`.trimEnd());
  }
  // A missing value, or a value that looks like a flag: parseArgs says which option, drop its advice lines.
  return new UsageError(`${o.command}: ${message.split("\n")[0]}`);
}

/** Parses `args` strictly against `specs`; see the top of this file for what differs from parseArgs. */
export function parseOptionArgs(specs: readonly OptionSpec[], args: readonly string[], o: ParseOptions): ParsedArgs {
  const n = normalize(specs, args);
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const s of specs) {
    options[s.name] = { type: s.kind === "bool" ? "boolean" : "string", ...(s.short ? { short: s.short } : {}), ...(s.kind === "list" ? { multiple: true } : {}) };
  }
  const range = o.positionals ?? { min: 0, max: 0 };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: n.args, options, strict: true, allowPositionals: range.max > 0, tokens: true });
  } catch (e) {
    throw explain(e, o);
  }
  const positionals = parsed.positionals;
  if (positionals.length > range.max) throw new UsageError(`${o.command}: unexpected argument ${positionals[range.max]}`);
  if (positionals.length < range.min) throw new UsageError(`${o.command}: missing argument`);
  const values = new Map<string, string | boolean | string[]>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== "option") continue;
    const spec = specs.find((s) => s.name === t.name)!;
    if (spec.kind === "bool") values.set(spec.name, !n.falses.has(t.index));
    else if (spec.kind === "list") values.set(spec.name, [...((values.get(spec.name) as string[] | undefined) ?? []), t.value!]);
    else values.set(spec.name, t.value!);
  }
  return { values, positionals };
}

/** The help of a command: its usage line, what it does, and its options from the table. */
export function renderHelp(usage: string, description: string, specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const names = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.kind === "bool" ? "" : " value"}`;
    const help = `${s.help}${s.env ? ` [$${s.env}]` : ""}${s.default ? ` (default: ${s.default})` : ""}`;
    return [names, help] as const;
  });
  rows.push(["-h, --help", "show help"]);
  const width = Math.max(...rows.map(([n]) => n.length));
  return `usage: ${usage}\n\n${description}\n\noptions:\n${rows.map(([n, h]) => `  ${n.padEnd(width)}  ${h}`).join("\n")}\n`;
}

/** A string option's value: the command line's, else its env var's, else its default. */
export function stringOption(parsed: ParsedArgs, spec: OptionSpec, env: Record<string, string | undefined>): string | undefined {
  const v = parsed.values.get(spec.name);
  if (typeof v === "string") return v;
  return (spec.env ? env[spec.env] : undefined) || spec.default;
}

/** The help of a command made of subcommands. */
export function renderCommandsHelp(usage: string, description: string, commands: readonly (readonly [string, string])[]): string {
  const width = Math.max(...commands.map(([n]) => n.length));
  return `usage: ${usage}\n\n${description}\n\ncommands:\n${commands.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`).join("\n")}\n`;
}
