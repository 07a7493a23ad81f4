// SSH to a booted test VM through its forwarded port, with the host's OpenSSH client: only the
// VM tests log in this way (the benchmarks use the serial console).
import { execFile } from "node:child_process";
import type { Vm } from "../../builder/vm/console.ts";

export interface SshResult {
  out: string;
  err: string;
  /** ssh's exit status: the command's, or 255 when ssh itself failed (refused, no route, auth) */
  code: number;
}

export interface SshOptions {
  /** more ssh arguments, e.g. ["-i", KEY, "-o", "BatchMode=yes"] */
  args?: string[];
  /** more environment, e.g. SSH_ASKPASS for a password attempt */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs a command on the guest over the forwarded SSH port as `user` (the host's OpenSSH client).
 * Host keys are new on every VM, so they are neither checked nor kept.
 */
export function sshRun(port: number, user: string, command: string, o: SshOptions = {}): Promise<SshResult> {
  const argv = [
    "-n", "-p", String(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
    "-o", "ConnectTimeout=20", ...(o.args ?? []), `${user}@127.0.0.1`, command,
  ];
  return new Promise((resolve) => {
    execFile("ssh", argv, { timeout: o.timeoutMs ?? 60_000, env: { ...process.env, ...o.env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 255) : 0;
      resolve({ out: stdout.trim(), err: stderr.trim(), code });
    });
  });
}

/** Repeats an SSH login until it succeeds (sshd starts late in the boot); returns the seconds since QEMU started. */
export async function waitForSsh(vm: Vm, user: string, o: SshOptions, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: SshResult | undefined;
  while (Date.now() < deadline) {
    last = await sshRun(vm.sshPort, user, "true", o);
    if (last.code === 0) return (Date.now() - vm.startedAt) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
  }
  throw new Error(`no SSH login as ${user} within ${timeoutMs / 1000} s: ${last?.err}; console tail:\n${vm.text.split("\n").slice(-15).join("\n")}`);
}
