// An OS node of the namespaces tier: the BUILT image (the /usr squashfs of the rootfs tarball in
// dist/artifacts or $K3OS_ARTIFACTS) booted natively, with the image's own /sbin/init as PID 1 of
// a PID namespace, in mount, UTS and IPC namespaces of its own inside a lab host's network
// namespace. os-node-boot.sh assembles the root with the built initramfs's own assemble-root.sh; from there on
// everything is the image's: sysvinit, OpenRC, `k3os config`, connman (DHCP from the lab),
// k3s-service and its Kubernetes components. The test only writes the medium's config.yaml.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { formatArgv, ProcessRunner, type RunResult } from "../../src/exec/runner.ts";
import type { LabHost } from "./lab.ts";
import { cgroupDirs, removeCgroupTree } from "./cgroups.ts";

const repo = resolve(import.meta.dirname, "../..");
const runner = new ProcessRunner();
const BOOT_SCRIPT = join(import.meta.dirname, "os-node-boot.sh");
/** What the VM tests boot too: dist/artifacts, or K3OS_ARTIFACTS. */
export const ARTIFACTS = process.env.K3OS_ARTIFACTS || join(repo, "dist/artifacts");
export const ROOTFS_TAR = join(ARTIFACTS, "k3os-rootfs-amd64.tar.gz");

/**
 * Why the OS tests cannot run on this machine (a skip reason), or false. On CI (`CI=true`) a
 * missing image is not a reason: the tests run and fail, since scripts/test.sh builds it.
 */
export function osNodeSkipReason(): string | false {
  if (process.getuid?.() !== 0) return "needs root (namespaces, mounts, cgroups)";
  if (process.env.CI === "true") return false;
  return existsSync(ROOTFS_TAR) ? false : `no built image at ${ROOTFS_TAR} (build it: npx tsx builder/cli.ts build)`;
}

/** The medium's /k3os/system/k3os part, unpacked once per test file and shared by its nodes. */
export interface OsSystem {
  dir: string;
  version: string;
  squashfs: string;
  /** The built initramfs's /lib/k3os/assemble-root.sh: the nodes' root is assembled by it, as at boot. */
  assembleRoot: string;
}

export async function unpackSystem(): Promise<OsSystem> {
  if (!existsSync(ROOTFS_TAR)) throw new Error(`no built image at ${ROOTFS_TAR}: build it (npx tsx builder/cli.ts build) or set K3OS_ARTIFACTS`);
  const dir = mkdtempSync(join(tmpdir(), "k3os-os-system-"));
  try {
    // The k3os component (the /usr squashfs) and the initramfs: the host's kernel runs the nodes.
    await runner.run(["tar", "-xzf", ROOTFS_TAR, "-C", dir, "--strip-components=1", "--wildcards", "*/k3os/system/k3os", "*/k3os/system/kernel/*/initrd"]);
    const components = join(dir, "k3os/system/k3os");
    const version = readlinkSync(join(components, "current"));
    const kernels = join(dir, "k3os/system/kernel");
    const initrd = join(kernels, readdirSync(kernels).find((k) => existsSync(join(kernels, k, "initrd"))) ?? "none", "initrd");
    const initramfs = join(dir, "initramfs");
    mkdirSync(initramfs);
    await runner.run(["sh", "-c", 'zstd -dc "$1" | cpio -id --quiet lib/k3os/assemble-root.sh', "sh", initrd], { cwd: initramfs });
    return { dir, version, squashfs: join(components, version, "k3os.squashfs"), assembleRoot: join(initramfs, "lib/k3os/assemble-root.sh") };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

// A test run that ends early (an error, Ctrl-C, a CI timeout) must not leave nodes running: their
// PID 1 outlives the pty that `script` held.
const running = new Set<OsNode>();
function killRunning(): void {
  for (const n of running) {
    const init = n.initPid ?? namespaceInit(n);
    try {
      if (init) process.kill(init, "SIGKILL");
    } catch {
      // gone already
    }
  }
}
process.on("exit", killRunning);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    killRunning();
    process.kill(process.pid, sig);
  });
}

export interface OsNode {
  name: string;
  host: LabHost;
  /** The node's files on the host: media/ (its /k3os), cmdline, etc/ seed; its root is mounted only inside its namespace. */
  work: string;
  /** The kubelet's cgroup root, made in every hierarchy before boot and removed after. */
  cgroupRoot: string;
  /** `script`, which holds the pty that is the node's /dev/console. */
  proc?: ChildProcess;
  /** PID (host's view) of the node's /sbin/init, once found. */
  initPid?: number;
  /** Inode of the node's PID namespace, to find its processes. */
  pidNs?: string;
  console: string;
  exit: { done: boolean; code: number | null };
  startedAt: number;
}

export interface OsNodeOptions {
  name: string;
  /** /k3os/system/config.yaml, as written on the medium. */
  config: Record<string, unknown>;
  /** The node's kernel command line (what its /proc/cmdline reads). */
  cmdline?: string;
}

/** Lays out the node's medium and seed files; nothing is mounted on the host. */
function prepareNode(system: OsSystem, host: LabHost, o: OsNodeOptions): OsNode {
  const work = mkdtempSync(join(tmpdir(), `k3os-os-${o.name}-`));
  const components = join(work, "media/k3os/system/k3os");
  mkdirSync(join(components, system.version), { recursive: true });
  // a hard link: every node's loop device reads the one unpacked file
  linkSync(system.squashfs, join(components, system.version, "k3os.squashfs"));
  symlinkSync(system.version, join(components, "current"));
  writeFileSync(join(work, "media/k3os/system/config.yaml"), stringify(o.config));
  writeFileSync(join(work, "cmdline"), `${o.cmdline ?? "k3os.mode=live"}\n`);
  // Without a cgroup namespace the kubelet sees the host's hierarchies: each node needs its own
  // cgroup root there, or two nodes' kubelets would manage (and clean up) one /kubepods.
  const cgroupRoot = `/k3os-os-${work.slice(-6).toLowerCase()}`;
  const dropIns = join(work, "etc/rancher/k3s/config.yaml.d");
  mkdirSync(dropIns, { recursive: true });
  writeFileSync(join(dropIns, "90-namespaces.yaml"), `# the namespaces tier's cgroup root for this node (test/namespaces/os-node.ts)\nkubelet-arg:\n  - cgroup-root=${cgroupRoot}\n`);
  return { name: o.name, host, work, cgroupRoot, console: "", exit: { done: false, code: null }, startedAt: 0 };
}

/** Boots the image as a node on `host` (a lab host added with addDhcpHost). */
export async function bootOsNode(system: OsSystem, host: LabHost, o: OsNodeOptions): Promise<OsNode> {
  const n = prepareNode(system, host, o);
  for (const d of cgroupDirs(n.cgroupRoot)) mkdirSync(d, { recursive: true });
  const inner = [...host.enter, "unshare", "--mount", "--propagation", "private", "--uts", "--ipc", "--pid", "--fork", "--mount-proc", "sh", BOOT_SCRIPT, n.work, system.assembleRoot];
  // `script` gives the node a pty for its /dev/console (sysvinit and OpenRC write there).
  const proc = spawn("script", ["-q", "-e", "-f", "-c", formatArgv(inner), "/dev/null"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, SHELL: "/bin/sh" } });
  n.proc = proc;
  n.startedAt = Date.now();
  proc.stdout!.on("data", (d: Buffer) => (n.console += d.toString("utf8").replace(/\r/g, "")));
  proc.stderr!.on("data", (d: Buffer) => (n.console += d));
  running.add(n);
  proc.on("exit", (code) => {
    Object.assign(n.exit, { done: true, code });
    running.delete(n);
  });
  await waitUntil(`${n.name}: /sbin/init started`, n, () => findInit(n), 120_000, 200);
  return n;
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** PID (host's view) of PID 1 of the node's PID namespace: the boot script, then /sbin/init. */
function namespaceInit(n: OsNode): number | undefined {
  const todo = n.proc?.pid ? [n.proc.pid] : [];
  while (todo.length > 0) {
    const pid = todo.shift()!;
    try {
      const nspid = readFileSync(`/proc/${pid}/status`, "utf8").match(/^NSpid:\s+(.*)$/m)?.[1]?.trim().split(/\s+/) ?? [];
      if (nspid.length === 2 && nspid[1] === "1") return pid;
    } catch {
      // exited meanwhile
    }
    todo.push(...children(pid));
  }
  return undefined;
}

/** True once the namespace's PID 1 runs the image's /sbin/init; records its PID and PID namespace. */
function findInit(n: OsNode): boolean {
  const pid = namespaceInit(n);
  if (!pid || !readlinkSync(`/proc/${pid}/exe`).endsWith("/init")) return false;
  n.initPid = pid;
  n.pidNs = readlinkSync(`/proc/${pid}/ns/pid`);
  return true;
}

/**
 * Polls `check` until it holds; returns the milliseconds it took. With a node, fails at once (with
 * its console) when the node has exited: a dead node will not become what is waited for.
 */
export async function waitUntil(what: string, n: OsNode | undefined, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 1000): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (n?.exit.done) throw new Error(`${n.name} exited (${n.exit.code}) while waiting for ${what}:\n${n.console.slice(-4000)}`);
    if (await Promise.resolve().then(check).catch(() => false)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${n ? `:\n${await nodeLog(n)}` : ""}`);
}

/** The node's console and the end of its k3s-service log, for a failure's message. */
async function nodeLog(n: OsNode): Promise<string> {
  const k3s = n.initPid && !n.exit.done ? await inNode(n, ["tail", "-n", "30", "/var/log/k3s-service.log"], undefined, 30_000).catch((e: Error) => ({ stdout: e.message })) : { stdout: "" };
  return `--- ${n.name} console\n${n.console.slice(-3000)}\n--- ${n.name} /var/log/k3s-service.log\n${k3s.stdout}`;
}

/** Runs a command inside the node: all its namespaces, its root, a clean environment. */
export function inNode(n: OsNode, argv: string[], input?: string, timeoutMs = 120_000): Promise<RunResult> {
  if (!n.initPid) throw new Error(`${n.name}: not booted`);
  const enter = ["nsenter", "-t", String(n.initPid), "-m", "-u", "-i", "-n", "-p", "-r", "-w"];
  return runner.run([...enter, "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin", "HOME=/root", ...argv], { input, allowFailure: true, timeoutMs });
}

/** The image's kubectl wrapper inside the node (the node's admin kubeconfig). */
export const kubectl = (n: OsNode, args: string[], input?: string) => inNode(n, ["kubectl", ...args], input);

/** SIGKILL to the node's PID 1: the kernel ends every process of its PID namespace, and with
 * them goes the mount namespace and every mount in it. Returns when `script` has exited. */
export async function killOsNode(n: OsNode, timeoutMs = 60_000): Promise<void> {
  if (!n.proc || n.exit.done) return;
  const init = n.initPid ?? namespaceInit(n);
  if (init) process.kill(init, "SIGKILL");
  else n.proc.kill("SIGKILL");
  const t0 = Date.now();
  while (!n.exit.done && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 100));
  if (!n.exit.done) n.proc.kill("SIGKILL");
}

/** Kills what still runs, removes the cgroup dirs and the node's files. */
export async function removeOsNode(n: OsNode): Promise<void> {
  await killOsNode(n);
  // The kernel releases the mount namespace, and so the squashfs's loop device, after the last
  // process is gone: give it time before the files under it go.
  await waitUntil(`${n.name}'s processes, mounts and loop device gone`, undefined, async () => (await nodeLeftovers(n, { cgroups: false })).length === 0, 60_000, 250).catch(() => 0);
  for (const d of cgroupDirs(n.cgroupRoot)) removeCgroupTree(d);
  rmSync(n.work, { recursive: true, force: true });
}

/** PIDs (host's view) of the processes in the node's PID namespace. */
export function nodePids(n: OsNode): number[] {
  if (!n.pidNs) return [];
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/pid`) === n.pidNs;
    } catch {
      return false;
    }
  });
}

/**
 * What the node left on the host: processes, mounts, loop devices, and (unless `cgroups` is false:
 * removeOsNode removes them) the kubelet's cgroup dirs.
 */
export async function nodeLeftovers(n: OsNode, o: { cgroups?: boolean } = {}): Promise<string[]> {
  const left: string[] = [];
  const pids = nodePids(n);
  if (pids.length > 0) left.push(`processes: ${pids.join(" ")}`);
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(n.work));
  if (mounts.length > 0) left.push(`mounts: ${mounts.join("; ")}`);
  const loops = (await runner.run(["losetup", "--noheadings", "-O", "NAME,BACK-FILE", "--list"], { allowFailure: true })).stdout.split("\n").filter((l) => l.includes(n.work));
  if (loops.length > 0) left.push(`loop devices: ${loops.join("; ")}`);
  const cg = o.cgroups === false ? [] : cgroupDirs(n.cgroupRoot).filter((d) => existsSync(d));
  if (cg.length > 0) left.push(`cgroup dirs: ${cg.join(" ")}`);
  return left;
}
