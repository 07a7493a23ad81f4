// One `k3s` node of the namespaces tier (and of scripts/bench-k3s.ts): the real `k3s` (src/k3s/cli.ts
// through tsx) run inside a lab host's network namespace, in mount + PID namespaces of its own, with
// the settings measured in ../shared/notes/namespaces-node.md. Start, ask, wait, measure, stop and
// clean up go through here so every test starts its nodes the same way.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { ProcessRunner, type RunResult } from "../../src/exec/runner.ts";
import type { LabHost } from "./lab.ts";
import { cgroupDirs, removeCgroupTree } from "./cgroups.ts";

export const repo = resolve(import.meta.dirname, "../..");
const runner = new ProcessRunner();
const k3sScript = `import { k3sMain } from ${JSON.stringify(join(repo, "src/k3s/cli.ts"))}; process.exitCode = await k3sMain(process.argv.slice(1));`;

export interface LabNode {
  name: string;
  host: LabHost;
  /** K3OS_ROOT of the node: a temp dir that every path of the node lives under. */
  root: string;
  kubeDir: string;
  /** The kubelet's cgroup-root, made in every hierarchy before start and removed after. */
  cgroupRoot: string;
  /** `unshare`, whose only child is the k3s process (PID 1 of the node's PID namespace is unshare's fork). */
  proc?: ChildProcess;
  output: string;
  exit: { done: boolean; code: number | null };
}

/** A node on `host` with a fresh root; `images` (archive paths) are copied to its agent/images. */
export function makeNode(host: LabHost, o: { name: string; kubeDir: string; prefix: string; images?: string[] }): LabNode {
  const root = mkdtempSync(join(tmpdir(), `${o.prefix}-${o.name}-`));
  const imagesDir = join(root, "var/lib/rancher/k3s/agent/images");
  mkdirSync(imagesDir, { recursive: true });
  for (const archive of o.images ?? []) copyFileSync(archive, join(imagesDir, basename(archive)));
  return { name: o.name, host, root, kubeDir: o.kubeDir, cgroupRoot: `/k3os-test-${root.slice(-6).toLowerCase()}`, output: "", exit: { done: false, code: null } };
}

/** argv of `k3s ARGS` in the node's network namespace (the host's mount namespace). */
function k3sArgv(n: LabNode, args: string[]): string[] {
  return [...n.host.enter, "env", `K3OS_ROOT=${n.root}`, `K3OS_KUBE_DIR=${n.kubeDir}`, process.execPath, "--import", "tsx", "--input-type=module", "-e", k3sScript, ...args];
}

/** Runs `k3s ARGS` (e.g. `kubectl get node`) against the node; never throws on a non-zero exit. */
export function k3sIn(n: LabNode, args: string[], input?: string): Promise<RunResult> {
  return runner.run(k3sArgv(n, args), { cwd: repo, input, allowFailure: true });
}

/** The kubectl applet straight from the host with the node's admin kubeconfig: milliseconds a call. */
export function kubectlIn(n: LabNode, args: string[], input?: string): Promise<RunResult> {
  return runner.run([...n.host.enter, join(n.kubeDir, "bin", "kubectl"), "--kubeconfig", join(n.root, "etc/rancher/k3s/k3s.yaml"), ...args], { input, allowFailure: true });
}

/** Starts `k3s ARGS --node-name NAME --node-ip ADDRESS --kubelet-arg=cgroup-root=...` as the node. */
export function startNode(n: LabNode, args: string[]): void {
  for (const d of cgroupDirs(n.cgroupRoot)) mkdirSync(d, { recursive: true });
  // Inside: keep the cgroup mounts across a fresh sysfs (this netns's interfaces), private /run,
  // /var/log and /var/lib (the kubelet, libcni and the CRI write there), and /proc and /sys seen
  // under the node's root prefix.
  const setup = [
    "set -eu",
    `cg=${n.root}/cgroup-aside; mkdir -p "$cg"; mount --rbind /sys/fs/cgroup "$cg"; mount -t sysfs sysfs /sys; mount --rbind "$cg" /sys/fs/cgroup`,
    "for d in /run /var/log /var/lib; do mount -t tmpfs tmpfs $d; done",
    `mkdir -p ${n.root}/proc ${n.root}/sys && mount --rbind /proc ${n.root}/proc && mount --rbind /sys ${n.root}/sys`,
    `exec env K3OS_ROOT=${n.root} K3OS_KUBE_DIR=${n.kubeDir} "$@"`,
  ].join("\n");
  const k3s = [process.execPath, "--import", "tsx", "--input-type=module", "-e", k3sScript, ...args, "--node-name", n.name, "--node-ip", n.host.address, `--kubelet-arg=cgroup-root=${n.cgroupRoot}`];
  const argv = [...n.host.enter, "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "sh", "-c", setup, "k3s", ...k3s];
  n.output = "";
  n.exit = { done: false, code: null };
  const proc = spawn(argv[0]!, argv.slice(1), { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  n.proc = proc;
  proc.stdout!.on("data", (d: Buffer) => (n.output += d));
  proc.stderr!.on("data", (d: Buffer) => (n.output += d));
  proc.on("exit", (code) => Object.assign(n.exit, { done: true, code }));
}

/**
 * Polls `check` until it holds; fails at once, with its output, when one of `nodes` has exited
 * (a node that died will not become what is waited for). Returns the milliseconds it took.
 */
export async function waitFor(what: string, nodes: LabNode[], check: () => Promise<boolean>, timeoutMs: number, intervalMs = 500): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const dead = nodes.find((n) => n.proc && n.exit.done);
    if (dead) throw new Error(`${dead.name} exited (${dead.exit.code}) while waiting for ${what}:\n${dead.output.slice(-4000)}`);
    if (await check().catch(() => false)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${nodes.map((n) => `--- ${n.name}\n${n.output.slice(-2500)}`).join("\n")}`);
}

/** A check: the Node `name` is Ready, asked through `via`'s kubeconfig. */
export const nodeReady = (via: LabNode, name: string) => async () =>
  (await kubectlIn(via, ["get", "node", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])).stdout.trim() === "True";

/** PID (host's view) of the node's k3s process: unshare's only child. */
export function k3sPid(n: LabNode): number {
  const pid = n.proc?.pid;
  const child = pid ? readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0] : "";
  if (!child) throw new Error(`${n.name}: no k3s process under unshare`);
  return Number(child);
}

/** SIGTERM to k3s, then waits for the node to exit; returns the milliseconds it took (-1: it did not). */
export async function stopNode(n: LabNode, timeoutMs = 60_000): Promise<number> {
  if (!n.proc || n.exit.done) return 0;
  process.kill(k3sPid(n), "SIGTERM");
  const t0 = Date.now();
  while (!n.exit.done && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 100));
  return n.exit.done ? Date.now() - t0 : -1;
}

/** The node's own lines saying what it stopped, for a test's log. */
export const stopLines = (n: LabNode) => n.output.split("\n").filter((l) => /stopped /.test(l)).join("\n");

/** Kills what still runs (SIGKILL to PID 1 of a node's PID namespace ends the whole node), then
 * removes the cgroup dirs and the roots. The lab is the caller's to destroy after this. */
export async function removeNodes(nodes: LabNode[]): Promise<void> {
  const running = nodes.filter((n) => n.proc && !n.exit.done);
  for (const n of running) n.proc!.kill("SIGKILL");
  if (running.length > 0) await new Promise((r) => setTimeout(r, 1000));
  for (const n of nodes) {
    for (const d of cgroupDirs(n.cgroupRoot)) removeCgroupTree(d);
    rmSync(n.root, { recursive: true, force: true });
  }
}

/** Processes of the node left anywhere on the host (by its root path in their command lines). */
export async function leftoverProcesses(n: LabNode): Promise<string> {
  return (await runner.run(["pgrep", "-f", n.root], { allowFailure: true })).stdout.trim();
}
