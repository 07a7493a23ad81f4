// A throwaway mount + network + PID namespace for tests on the host: PID 1 is the caller's init
// (it must reap orphans: containerd's shims daemonize and end up as its children; the pause program
// of builder/kube/images/pause.c does), /run, /var/lib and /var/log are fresh tmpfs, loopback is up. Killing PID 1 ends every process in it and
// with them the mount namespace, so nothing it mounted can outlive it.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const nsOf = (pid: number | string, kind: string): string | undefined => {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`);
  } catch {
    return undefined; // the process is gone, or not ours to read
  }
};

/** A mount + network + PID namespace with the given PID 1; every command enters all three. */
export class Sandbox {
  private constructor(
    private readonly unshare: ChildProcess,
    readonly init: number,
    readonly pidNs: string,
  ) {}

  static async start(initArgv: string[]): Promise<Sandbox> {
    const setup = 'mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/lib && mount -t tmpfs tmpfs /var/log && ip link set lo up && echo ready && exec "$@"';
    const argv = ["--mount", "--net", "--pid", "--fork", "--mount-proc", "--propagation", "private", "--", "sh", "-c", setup, "sh", ...initArgv];
    const child = spawn("unshare", argv, { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      child.on("exit", (code) => reject(new Error(`unshare exited ${code} before the namespace was ready`)));
    });
    const init = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(" ")[0]);
    return new Sandbox(child, init, nsOf(init, "pid")!);
  }

  private argv(cmd: string[]): string[] {
    return ["-t", String(this.init), "-m", "-n", "-p", "--", ...cmd];
  }

  exec(cmd: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; out: string } {
    const r = spawnSync("nsenter", this.argv(cmd), { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
    return { code: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
  }

  background(cmd: string[], env: Record<string, string>, logFile: string): ChildProcess {
    const child = spawn("sh", ["-c", `exec nsenter "$@" >"${logFile}" 2>&1`, "sh", ...this.argv(cmd)], { env: { ...process.env, ...env }, stdio: "ignore" });
    return child;
  }

  /** A process's command name; "" once it has exited. */
  commOf(pid: number): string {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      return "";
    }
  }

  /** Host PIDs of every process in the namespace. */
  processes(): number[] {
    return readdirSync("/proc").filter((p) => /^\d+$/.test(p) && nsOf(p, "pid") === this.pidNs).map(Number);
  }

  /** Killing PID 1 of a PID namespace kills every process in it; the mount namespace goes with them. */
  async destroy(): Promise<void> {
    if (this.unshare.exitCode === null) {
      const exited = new Promise((r) => this.unshare.once("exit", r));
      process.kill(this.init, "SIGKILL");
      await exited;
    }
  }
}

export async function waitFor(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

