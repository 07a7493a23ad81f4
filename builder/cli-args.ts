// How every host-side entry point (builder/, scripts/) reads its command line and ends: options
// parsed by node:util parseArgs with strict: true; `--help` (or `-h`) prints the usage on stdout
// and exits 0; a usage error (an unknown option, a missing or bad value) prints the problem and
// the usage on stderr and exits 2; any other failure prints `NAME: error: MESSAGE` and exits 1.
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { resolve } from "node:path";

/** A command line the program cannot act on: exit 2 with the usage. */
export class UsageError extends Error {}

/** parseArgs's own errors (ERR_PARSE_ARGS_UNKNOWN_OPTION, ..._INVALID_OPTION_VALUE, ...) are usage errors too. */
export function isUsageError(e: unknown): boolean {
  if (e instanceof UsageError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** True when the arguments ask for help (before a `--` that ends the options). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** A positive whole number from an option's value, or a UsageError naming the option. */
export function positiveInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new UsageError(`${flag} wants a positive whole number, got "${value}"`);
  return Number(value);
}

export interface Cli {
  /** names the program in its messages, e.g. "k3os-image" */
  name: string;
  /** the synopsis, starting with "usage: "; printed with a usage error */
  usage: string;
  /** what the commands and options do; printed with the synopsis by --help */
  details?: string;
}

export interface CliStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processStreams: CliStreams = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** Runs `main` on the arguments and returns the exit code (see the top of this file). */
export async function runCli(cli: Cli, args: string[], main: (args: string[]) => Promise<number | void>, io: CliStreams = processStreams): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout(`${cli.usage}\n${cli.details ? `${cli.details}\n` : ""}`);
    return 0;
  }
  try {
    return (await main(args)) ?? 0;
  } catch (e) {
    // parseArgs's advice on positionals that start with "-" is noise for these commands.
    const message = (e instanceof Error ? e.message : String(e)).replace(/\. To specify a positional argument starting with[\s\S]*$/, "");
    if (isUsageError(e)) {
      io.stderr(`${cli.name}: ${message}\n${cli.usage}\n${cli.details ? `(${cli.name} --help says more)\n` : ""}`);
      return 2;
    }
    io.stderr(`${cli.name}: error: ${message}\n`);
    return 1;
  }
}

/** True when `moduleUrl` (import.meta.url) is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && fileURLToPath(moduleUrl) === resolve(process.argv[1] as string);
}

/** The entry point of a script: runCli on process.argv, its code as the process's exit code. */
export function runMain(cli: Cli, main: (args: string[]) => Promise<number | void>): void {
  void runCli(cli, process.argv.slice(2), main).then((code) => {
    process.exitCode = code;
  });
}

/** For commands that take no arguments: any argument is a usage error (parseArgs, strict). */
export function parseNoArguments(args: string[]): void {
  parseArgs({ args, strict: true, allowPositionals: false, options: {} });
}
