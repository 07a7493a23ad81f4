// Turns `k3s server|agent` arguments, the config files and the K3S_* environment into Settings.
// Precedence as in k3s: command line > config files > environment > defaults, and list flags from
// the command line add to those from the config files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { K3S_DEFAULTS } from "../layout/defaults.ts";
import { readConfigArgs } from "./config-file.ts";
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

function parseBool(flag: string, value: string): boolean {
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw new Error(`--${flag}: expected true or false, got "${value}"`);
}

function splitValues(spec: FlagSpec, value: string): string[] {
  if (!spec.splitCommas) return [value];
  return value.split(",").map((v) => v.trim()).filter((v) => v !== "");
}

function optionFor(spec: FlagSpec): Option {
  const flags = `${spec.short ? `-${spec.short}, ` : ""}--${spec.name}`;
  const help = `${spec.help}${spec.env ? ` [$${spec.env}]` : ""}${spec.default ? ` (default: ${spec.default})` : ""}`;
  switch (spec.kind) {
    case "bool":
      // An optional value so that config files' `--flag=true|false` parse like k3s's.
      return new Option(`${flags} [bool]`, help).argParser((v: string) => parseBool(spec.name, v));
    case "list":
      return new Option(`${flags} <value>`, help).argParser((v: string, prev: string[] | undefined) => [
        ...(prev ?? []),
        ...splitValues(spec, v),
      ]);
    default:
      return new Option(`${flags} <value>`, help);
  }
}

/** The command with every supported flag, as commander parses it. */
export function buildNodeCommand(command: NodeCommand, writeOut: (t: string) => void = () => {}): Command {
  const cmd = new Command(command)
    .description(command === "server" ? "Run management server" : "Run node agent")
    .exitOverride()
    .configureOutput({ writeOut, writeErr: () => {}, outputError: () => {} });
  for (const spec of flagsFor(command)) cmd.addOption(optionFor(spec));
  return cmd;
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
  const { file, explicit } = findConfigFile(argv, ctx.env);
  const fromFiles = readConfigArgs(join(ctx.root, file), command, { explicit, log: ctx.log });
  const cmd = buildNodeCommand(command, ctx.writeOut);
  try {
    cmd.parse([...fromFiles.args, ...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.help") return { kind: "help" };
      if (e.code === "commander.unknownOption") {
        const flag = e.message.match(/'([^'=]+)/)?.[1] ?? e.message;
        throw new UnsupportedFlagError(flag, command);
      }
      if (e.code === "commander.excessArguments") throw new Error(`k3s ${command}: unexpected arguments: ${cmd.args.join(" ")}`);
      throw new Error(`k3s ${command}: ${e.message.replace(/^error: /, "")}`);
    }
    throw e;
  }
  const opts = cmd.opts<Record<string, unknown>>();
  const raw: Record<string, unknown> = { command };
  for (const spec of flagsFor(command)) {
    const key = settingsKey(spec.name);
    const v = opts[key] ?? envValue(spec, ctx.env);
    if (v !== undefined) raw[key] = v;
  }
  // A token file is read at start, as k3s does; the token itself then wins if both are given.
  if (raw.token === undefined && typeof raw.tokenFile === "string") raw.token = readSecretFile(ctx.root, raw.tokenFile, "token-file");
  if (raw.agentToken === undefined && typeof raw.agentTokenFile === "string") {
    raw.agentToken = readSecretFile(ctx.root, raw.agentTokenFile, "agent-token-file");
  }
  return { kind: "settings", settings: validateSettings(raw), configFiles: fromFiles.files };
}
