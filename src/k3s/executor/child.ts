// The one place the k3s runtime spawns long-lived or attached processes directly (short system
// commands go through the command runner): supervised components, and tools like kubectl whose
// terminal must be the user's.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

export interface ChildSpec {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Append stdout and stderr to this file. */
  logFile?: string;
}

const SETPRIV = "/usr/bin/setpriv";
let deathSignal: string[] | undefined;

/**
 * util-linux's setpriv sets PR_SET_PDEATHSIG and execs the component (same pid), so the kernel kills
 * the component when `k3s` dies, even by SIGKILL, which no exit handler sees. Node cannot call
 * prctl itself. Forks of the component (containerd's shims) do not inherit it, so pods outlive
 * `k3s` as with k3s. Without setpriv the exit handler and the pid file still cover it.
 */
function parentDeathSignal(): string[] {
  deathSignal ??= existsSync(SETPRIV) ? [SETPRIV, "--pdeathsig", "KILL", "--"] : [];
  return deathSignal;
}

/** True when spawn would find the program: a missing one must fail in spawn (ENOENT, a clear
 * error), not as setpriv's exit code. */
function findable(cmd: string, path: string | undefined): boolean {
  if (cmd.includes("/")) return existsSync(cmd);
  return (path ?? "").split(":").some((d) => d !== "" && existsSync(join(d, cmd)));
}

/** Starts a component with its output appended to its log; the caller watches 'exit'. */
export function startChild(spec: ChildSpec): ChildProcess {
  const program = spec.argv[0];
  if (!program) throw new Error("startChild: empty argv");
  const wrap = findable(program, spec.env?.PATH ?? process.env.PATH) ? parentDeathSignal() : [];
  const [cmd, ...args] = [...wrap, ...spec.argv] as [string, ...string[]];
  let fd: number | undefined;
  if (spec.logFile) {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    fd = openSync(spec.logFile, "a");
  }
  try {
    return spawn(cmd, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", fd ?? "ignore", fd ?? "ignore"],
      // Its own process group, so a stop can signal the component and whatever it forked; that it
      // also outlives `k3s` is undone by the parent-death signal, the exit handler and the pid file.
      detached: true,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Runs a tool attached to our terminal and resolves with its exit code (128+n for a signal). */
export function runAttached(argv: string[], env: Record<string, string>): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new Error("runAttached: empty argv"));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "ENOENT" ? new Error(`${cmd} not found: are the Kubernetes components installed (K3OS_KUBE_DIR)?`) : e),
    );
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
  });
}

function signalNumber(sig: NodeJS.Signals): number {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return table[sig] ?? 1;
}
