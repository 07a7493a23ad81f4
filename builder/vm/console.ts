// The QEMU console driver the VM tests and the boot/node benchmarks share: boots k3os artifacts in
// QEMU (the runner's own command line), drives the serial console with timeouts, and always kills
// QEMU: on kill(), on a hard deadline, and on process exit. Console output is kept in
// dist/vm-logs/<name>.log for the post-mortem of a failed case.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { prepareQemu } from "./launch.ts";
import { renderQemuArgv } from "./qemu-args.ts";

export const REPO = resolve(import.meta.dirname, "../..");
/** What the VM tests and benchmarks boot: dist/artifacts, or K3OS_ARTIFACTS (a second build kept apart). */
export const ARTIFACTS = process.env.K3OS_ARTIFACTS || join(REPO, "dist/artifacts");
export const ISO = join(ARTIFACTS, "k3os-amd64.iso");
export const KERNEL = join(ARTIFACTS, "k3os-vmlinuz-amd64");
export const INITRD = join(ARTIFACTS, "k3os-initrd-amd64");

export interface BootOptions {
  /** names the console log */
  name: string;
  /** the CD-ROM (default: the built ISO); false boots with none attached, e.g. a disk-mode kernel boot */
  iso?: string | false;
  kernel?: string;
  initrd?: string;
  append?: string;
  memoryMb?: number;
  efi?: boolean;
  disks?: string[];
  /** more CD-ROMs after the ISO */
  cdroms?: string[];
  /** guestfwd rules of the restricted user network (see VmOptions) */
  guestfwd?: string[];
  /** QEMU is killed after this long whatever happens (default 15 min) */
  hardTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});
// A test run stopped by a signal (Ctrl-C, a CI timeout, kill) must not leave QEMU running:
// "exit" handlers do not run on a fatal signal.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    for (const c of live) c.kill("SIGKILL");
    process.kill(process.pid, sig);
  });
}

// Escape sequences (GRUB's menu, OpenRC's colours) would split the words tests wait for.
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\x1b[()][A-Z0-9]/g, "").replace(/\r/g, "");
}

export class Vm {
  /** console output so far, escape sequences removed */
  text = "";
  private raw = "";
  private lineStart = true;
  private consumed = 0;
  private waiters: (() => void)[] = [];
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: WriteStream,
    private readonly tmp: string,
    readonly accel: "kvm" | "tcg",
    readonly sshPort: number,
    readonly startedAt: number,
    hardTimeoutMs: number,
  ) {
    live.add(child);
    child.stdout?.on("data", (d: Buffer) => {
      const chunk = d.toString("utf8");
      this.writeLog(chunk);
      // Stripped from the whole output: an escape sequence may be split across two chunks.
      this.raw += chunk;
      this.text = stripAnsi(this.raw);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr?.on("data", (d: Buffer) => log.write(d));
    child.on("close", () => {
      this.exited = true;
      live.delete(child);
      for (const w of this.waiters.splice(0)) w();
    });
    const timer = setTimeout(() => void this.kill(), hardTimeoutMs);
    timer.unref();
  }

  /** The log gets each console line prefixed by the seconds since QEMU started: the boot timeline. */
  private writeLog(chunk: string): void {
    const stamp = `[${((Date.now() - this.startedAt) / 1000).toFixed(2).padStart(7)}] `;
    let out = "";
    for (const ch of chunk.replace(/\r/g, "")) {
      if (this.lineStart) out += stamp;
      out += ch;
      this.lineStart = ch === "\n";
    }
    this.log.write(out);
  }

  static async boot(o: BootOptions): Promise<Vm> {
    const iso = o.iso === false ? undefined : (o.iso ?? ISO);
    const { accel, sshPort, tmp, efiVars } = await prepareQemu({
      files: [iso, o.kernel, o.initrd, ...(o.cdroms ?? [])], accel: "auto", probeWith: { kernel: KERNEL, initrd: INITRD }, efi: o.efi ?? false, tmpPrefix: "k3os-vmtest-",
    });
    const argv = renderQemuArgv({
      accel, memoryMb: o.memoryMb ?? 2048, cpus: 2, iso, kernel: o.kernel, initrd: o.kernel ? (o.initrd ?? INITRD) : undefined,
      append: o.append, disks: o.disks ?? [], cdroms: o.cdroms, guestfwd: o.guestfwd, efiVars, sshPort, openNetwork: false, serial: "stdio", headless: true,
    });
    const logDir = join(REPO, "dist/vm-logs");
    await mkdir(logDir, { recursive: true });
    const log = createWriteStream(join(logDir, `${o.name}.log`));
    log.write(`# ${argv.join(" ")}\n`);
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    return new Vm(child, log, tmp, accel, sshPort, Date.now(), o.hardTimeoutMs ?? 15 * 60_000);
  }

  /**
   * Waits for a pattern in console output after what earlier waits consumed; returns the match
   * and the seconds since QEMU started. Fails with the console's last lines on timeout or exit.
   */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<{ match: RegExpExecArray; seconds: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.text.slice(this.consumed);
      const m = new RegExp(pattern.source, pattern.flags.replace("g", "")).exec(rest);
      if (m) {
        this.consumed += m.index + m[0].length;
        return { match: m, seconds: (Date.now() - this.startedAt) / 1000 };
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.exited) {
        const tail = this.text.split("\n").slice(-15).join("\n");
        throw new Error(`${this.exited ? "QEMU exited" : `timed out after ${timeoutMs / 1000} s`} waiting for ${pattern}; console tail:\n${tail}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for QEMU to exit (the guest powered off); returns the seconds since it started. */
  async waitForExit(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.exited) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const tail = this.text.split("\n").slice(-15).join("\n");
        throw new Error(`QEMU still running after ${timeoutMs / 1000} s; console tail:\n${tail}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return (Date.now() - this.startedAt) / 1000;
  }

  send(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Logs in on the serial console; waits for the login prompt first. */
  async login(user: string, password: string | undefined, timeoutMs: number): Promise<number> {
    const { seconds } = await this.waitFor(/login: $|login: /, timeoutMs);
    this.send(`${user}\n`);
    if (password !== undefined) {
      await this.waitFor(/Password: ?/, 30_000);
      this.send(`${password}\n`);
    }
    await this.waitFor(/\$ $|\$ /, 60_000);
    // No echo and no bracketed paste: the console then carries only what commands print.
    this.send("stty -echo; bind 'set enable-bracketed-paste off' 2>/dev/null\n");
    await new Promise((r) => setTimeout(r, 1000));
    return seconds;
  }

  /** Runs a shell command on the logged-in console; returns its output and exit code. */
  async run(command: string, timeoutMs = 60_000): Promise<{ out: string; code: number }> {
    const tag = `K3OS${Math.floor(Math.random() * 1e9)}`;
    // The marker is printed from two pieces so the echoed command line never matches it.
    this.send(`echo ${tag}-BEGIN; ${command}; echo "${tag}"-RC=$?\n`);
    await this.waitFor(new RegExp(`${tag}-BEGIN\\n`), timeoutMs);
    const { match } = await this.waitFor(new RegExp(`([\\s\\S]*?)${tag}-RC=(\\d+)`), timeoutMs);
    return { out: (match[1] ?? "").trim(), code: Number(match[2]) };
  }

  async kill(): Promise<void> {
    if (!this.exited) {
      this.child.kill("SIGKILL");
      await new Promise<void>((r) => (this.exited ? r() : this.child.once("close", () => r())));
    }
    this.log.end();
    await rm(this.tmp, { recursive: true, force: true });
  }
}
