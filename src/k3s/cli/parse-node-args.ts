// Turns `k3s server|agent` arguments, the config files and the K3S_* environment into Settings.
// Precedence as in k3s: command line > config files > environment > defaults, and list flags from
// the command line add to those from the config files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { K3S_DEFAULTS } from "../layout/defaults.ts";
import { readConfigArgs } from "./config-file.ts";
import { parseBool, parseOptionArgs, renderHelp, wantsHelp } from "./argv.ts";
import { flagsFor, UnsupportedFlagError, type FlagSpec, type NodeCommand } from "./flags.ts";
import { settingsKey, validateSettings, type Settings } from "./settings.ts";
import type { Logger } from "../../system/log.ts";

export interface ParseContext {
  env: Record<string, string | undefined>;
  /** Prefix for every path the runtime reads or writes (tests use a temp dir). */
  root: string;
  log?: Logger;
  /** Where --help text goes. */
  writeOut?: (text: string) => void;
}

export type ParseResult = { kind: "settings"; settings: Settings; configFiles: string[] } | { kind: "help" };

function splitValues(spec: FlagSpec, value: string): string[] {
  if (!spec.splitCommas) return [value];
  return value.split(",").map((v) => v.trim()).filter((v) => v !== "");
}

/** `k3s server|agent --help`: every supported flag, from the table. */
export function nodeHelp(command: NodeCommand): string {
  return renderHelp(`k3s ${command} [options]`, command === "server" ? "Run management server" : "Run node agent", flagsFor(command));
}

/** The config file named by K3S_CONFIG_FILE or --config/-c, else the default; explicit when named. */
export function findConfigFile(argv: string[], env: ParseContext["env"]): { file: string; explicit: boolean } {
  if (env.K3S_CONFIG_FILE) return { file: env.K3S_CONFIG_FILE, explicit: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === "--config" || a === "-c") && argv[i + 1] !== undefined) return { file: argv[i + 1]!, explicit: true };
    const m = a.match(/^(?:--config|-c)=(.*)$/);
    if (m) return { file: m[1]!, explicit: true };
  }
  return { file: K3S_DEFAULTS.configFile, explicit: false };
}

function envValue(spec: FlagSpec, env: ParseContext["env"]): unknown {
  const v = spec.env ? env[spec.env] : undefined;
  if (v === undefined || v === "") return undefined;
  if (spec.kind === "bool") return parseBool(spec.name, v);
  if (spec.kind === "list") return splitValues(spec, v);
  return v;
}

function readSecretFile(root: string, file: string, flag: string): string {
  try {
    return readFileSync(join(root, file), "utf8").trim();
  } catch (e) {
    throw new Error(`--${flag} ${file}: ${(e as Error).message}`);
  }
}

export function parseNodeArgs(command: NodeCommand, argv: string[], ctx: ParseContext): ParseResult {
  if (wantsHelp(argv)) {
    ctx.writeOut?.(nodeHelp(command));
    return { kind: "help" };
  }
  const { file, explicit } = findConfigFile(argv, ctx.env);
  const fromFiles = readConfigArgs(join(ctx.root, file), command, { explicit, log: ctx.log });
  const specs = flagsFor(command);
  const parsed = parseOptionArgs(specs, [...fromFiles.args, ...argv], {
    command: `k3s ${command}`,
    unknown: (flag) => new UnsupportedFlagError(flag, command),
  });
  const raw: Record<string, unknown> = { command };
  for (const spec of specs) {
    const key = settingsKey(spec.name);
    const given = parsed.values.get(spec.name);
    const v = Array.isArray(given) ? given.flatMap((x) => splitValues(spec, x)) : (given ?? envValue(spec, ctx.env));
    if (v !== undefined) raw[key] = v;
  }
  // A token file is read at start, as k3s does; the token itself then wins if both are given.
  if (raw.token === undefined && typeof raw.tokenFile === "string") raw.token = readSecretFile(ctx.root, raw.tokenFile, "token-file");
  if (raw.agentToken === undefined && typeof raw.agentTokenFile === "string") {
    raw.agentToken = readSecretFile(ctx.root, raw.agentTokenFile, "agent-token-file");
  }
  return { kind: "settings", settings: validateSettings(raw), configFiles: fromFiles.files };
}
