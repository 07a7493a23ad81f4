// The one place the k3s runtime spawns long-lived or attached processes directly (short system
// commands go through the command runner): supervised components, and tools like kubectl whose
// terminal must be the user's.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export interface ChildSpec {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Append stdout and stderr to this file. */
  logFile?: string;
}

/** Starts a component with its output appended to its log; the caller watches 'exit'. */
export function startChild(spec: ChildSpec): ChildProcess {
  const [cmd, ...args] = spec.argv;
  if (!cmd) throw new Error("startChild: empty argv");
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
      // Its own process group, so a stop can signal the component and whatever it forked.
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
