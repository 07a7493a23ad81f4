// The one command runner: every system command the agent runs goes through a Runner.
// argv arrays only, never a shell string built from config values.
import { spawn } from "node:child_process";
import { quoteArgv } from "../system/shell.ts";

export interface RunOptions {
  /** Data written to the command's stdin. */
  input?: string | Buffer;
  /** Extra environment on top of the agent's own. */
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the command after this many milliseconds. */
  timeoutMs?: number;
  /** Return a non-zero exit as a result instead of throwing. */
  allowFailure?: boolean;
}

export interface RunResult {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface Runner {
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
  /** True when the runner only reports what it would do (--dry-run). */
  readonly dryRun: boolean;
}

/** Quotes an argv for logs and error messages; never executed by a shell. */
export function formatArgv(argv: readonly string[]): string {
  return quoteArgv(argv);
}

function tail(text: string, lines = 8): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export class CommandError extends Error {
  constructor(
    readonly result: RunResult,
    reason: string,
  ) {
    const stderr = tail(result.stderr);
    super(`command failed: ${formatArgv(result.argv)}: ${reason}${stderr ? `\n${stderr}` : ""}`);
    this.name = "CommandError";
  }
}

export class CommandNotFoundError extends Error {
  constructor(readonly command: string) {
    super(`\`${command}\` not found (is it installed and on PATH?)`);
    this.name = "CommandNotFoundError";
  }
}

/** Runs commands for real. */
export class ProcessRunner implements Runner {
  readonly dryRun = false;
  constructor(private readonly debug: (msg: string) => void = () => {}) {}

  run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    const [cmd, ...args] = argv;
    if (cmd === undefined) return Promise.reject(new Error("run: empty argv"));
    this.debug(`run: ${formatArgv(argv)}`);
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, {
        cwd: opts.cwd,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        stdio: ["pipe", "pipe", "pipe"],
        timeout: opts.timeoutMs,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      child.on("error", (e: NodeJS.ErrnoException) => {
        reject(e.code === "ENOENT" ? new CommandNotFoundError(cmd) : e);
      });
      child.stdin.on("error", () => {}); // a command that ignores stdin closes it early: not an error
      child.stdin.end(opts.input ?? "");
      child.on("close", (code, signal) => {
        const result: RunResult = {
          argv,
          exitCode: code,
          signal,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        };
        if (code === 0 || opts.allowFailure) return resolve(result);
        reject(new CommandError(result, signal ? `killed by ${signal}` : `exit code ${code}`));
      });
    });
  }
}

/** Prints what it would run and runs nothing (--dry-run). */
export class DryRunner implements Runner {
  readonly dryRun = true;
  constructor(private readonly print: (line: string) => void) {}
  async run(argv: string[]): Promise<RunResult> {
    this.print(`would run: ${formatArgv(argv)}`);
    return { argv, exitCode: 0, signal: null, stdout: "", stderr: "" };
  }
}

/** A unit-test double: records every argv and answers from a table. */
export class RecordingRunner implements Runner {
  readonly dryRun = false;
  readonly calls: { argv: string[]; opts: RunOptions }[] = [];
  constructor(private readonly answer: (argv: string[]) => Partial<RunResult> | Error = () => ({})) {}
  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv, opts });
    const a = this.answer(argv);
    if (a instanceof Error) throw a;
    const result: RunResult = { argv, exitCode: 0, signal: null, stdout: "", stderr: "", ...a };
    if (result.exitCode !== 0 && !opts.allowFailure) throw new CommandError(result, `exit code ${result.exitCode}`);
    return result;
  }
}
