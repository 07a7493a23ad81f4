// Figures for k3os's k3s runtime, as JSON on stdout: start to node Ready of a server (bundled
// CoreDNS and local-storage on), an agent's join to Ready, and the idle memory of each node (PSS
// summed over the processes of its PID namespace, from /proc/PID/smaps_rollup: RSS would count the
// shared multi-call binary once per process). Both nodes run in network + mount + PID namespaces
// this script makes (the namespaces tier's lab); nothing touches the host's own network.
// Run as root: node --import tsx scripts/bench-k3s.ts [--idle-seconds N]
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensureKubeComponents } from "../builder/kube/build.ts";
import { ensureNodeImages } from "../builder/kube/node-images.ts";
import { ProcessRunner } from "../src/exec/runner.ts";
import { NetLab, type LabHost } from "../test/namespaces/lab.ts";

const repo = resolve(import.meta.dirname, "..");
const runner = new ProcessRunner();
const k3sScript = `import { k3sMain } from ${JSON.stringify(join(repo, "src/k3s/cli.ts"))}; process.exitCode = await k3sMain(process.argv.slice(1));`;
const idleArg = process.argv.indexOf("--idle-seconds");
const idleSeconds = idleArg > 0 ? Number(process.argv[idleArg + 1]) : 30;

interface BenchNode {
  name: string;
  host: LabHost;
  root: string;
  cgroupRoot: string;
  proc?: ChildProcess;
  output: string;
  exited: boolean;
}

const cgroupDirs = (cgroupRoot: string) =>
  readdirSync("/sys/fs/cgroup").map((d) => join("/sys/fs/cgroup", d, cgroupRoot)).filter((d) => existsSync(join(d, "..", "cgroup.procs")));

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // still busy
  }
}

function startNode(n: BenchNode, kubeDir: string, args: string[]): void {
  for (const d of cgroupDirs(n.cgroupRoot)) mkdirSync(d, { recursive: true });
  // As the namespaces tests: the host's cgroup mounts kept across a fresh sysfs, private /run,
  // /var/log, /var/lib, and /proc and /sys under the node's root prefix.
  const setup = [
    "set -eu",
    `cg=${n.root}/cgroup-aside; mkdir -p "$cg"; mount --rbind /sys/fs/cgroup "$cg"; mount -t sysfs sysfs /sys; mount --rbind "$cg" /sys/fs/cgroup`,
    "for d in /run /var/log /var/lib; do mount -t tmpfs tmpfs $d; done",
    `mkdir -p ${n.root}/proc ${n.root}/sys && mount --rbind /proc ${n.root}/proc && mount --rbind /sys ${n.root}/sys`,
    `exec env K3OS_ROOT=${n.root} K3OS_KUBE_DIR=${kubeDir} "$@"`,
  ].join("\n");
  const k3s = [process.execPath, "--import", "tsx", "--input-type=module", "-e", k3sScript, ...args, "--node-name", n.name, "--node-ip", n.host.address, `--kubelet-arg=cgroup-root=${n.cgroupRoot}`];
  const argv = [...n.host.enter, "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "sh", "-c", setup, "k3s", ...k3s];
  n.proc = spawn(argv[0]!, argv.slice(1), { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  n.proc.stdout!.on("data", (d: Buffer) => (n.output += d));
  n.proc.stderr!.on("data", (d: Buffer) => (n.output += d));
  n.proc.on("exit", () => (n.exited = true));
}

async function waitFor(what: string, nodes: BenchNode[], check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const dead = nodes.find((n) => n.exited);
    if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${dead.output.slice(-3000)}`);
    if (await check().catch(() => false)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** PSS in kB of every process in the PID namespace of the node's k3s process, by command name. */
function nodePss(n: BenchNode): { totalMB: number; byProcessMB: Record<string, number> } {
  const k3sPid = readFileSync(`/proc/${n.proc!.pid}/task/${n.proc!.pid}/children`, "utf8").trim().split(" ")[0]!;
  const ns = readlinkSync(`/proc/${k3sPid}/ns/pid`);
  const by: Record<string, number> = {};
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/pid`) !== ns) continue;
      const pss = Number(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m)?.[1] ?? 0);
      const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      by[name] = (by[name] ?? 0) + pss;
      total += pss;
    } catch {
      // exited meanwhile
    }
  }
  const mb = (kb: number) => Math.round(kb / 102.4) / 10;
  return { totalMB: mb(total), byProcessMB: Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, mb(v)])) };
}

async function main(): Promise<void> {
  const kube = await ensureKubeComponents({ log: (m) => process.stderr.write(`bench: ${m}\n`) });
  const images = await ensureNodeImages({ kube, log: (m) => process.stderr.write(`bench: ${m}\n`) });
  const lab = await NetLab.create("10.218.0");
  const nodes: BenchNode[] = [];
  try {
    for (const [name, index] of [["srv", 11], ["agt", 12]] as const) {
      const root = mkdtempSync(join(tmpdir(), `k3s-bench-${name}-`));
      const imagesDir = join(root, "var/lib/rancher/k3s/agent/images");
      mkdirSync(imagesDir, { recursive: true });
      for (const img of Object.values(images.images)) copyFileSync(img.archive, join(imagesDir, img.archive.split("/").at(-1)!));
      nodes.push({ name, host: await lab.addHost(name, index), root, cgroupRoot: `/k3os-bench-${root.slice(-6).toLowerCase()}`, output: "", exited: false });
    }
    const [srv, agt] = nodes as [BenchNode, BenchNode];
    // The kubectl applet straight from the host into the server's netns: polls cost milliseconds.
    const kubectl = (args: string[]) =>
      runner.run([...srv.host.enter, join(kube.dir, "bin", "kubectl"), "--kubeconfig", join(srv.root, "etc/rancher/k3s/k3s.yaml"), ...args], { allowFailure: true });
    const ready = (node: string) => async () =>
      (await kubectl(["get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])).stdout.trim() === "True";
    startNode(srv, kube.dir, ["server", "--token", "benchtoken"]);
    const serverReadyMs = await waitFor("server Ready", nodes, ready("srv"), 300_000);
    const corednsReadyMs = serverReadyMs + (await waitFor("CoreDNS available", nodes, async () => (await kubectl(["-n", "kube-system", "get", "deployment", "coredns", "-o", "jsonpath={.status.readyReplicas}"])).stdout.trim() === "1", 300_000));
    const token = readFileSync(join(srv.root, "var/lib/rancher/k3s/server/token"), "utf8").trim();
    startNode(agt, kube.dir, ["agent", "--server", `https://${srv.host.address}:6443`, "--token", token]);
    const agentJoinReadyMs = await waitFor("agent Ready", nodes, ready("agt"), 300_000);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const result = {
      host: { cpus: (await runner.run(["nproc"])).stdout.trim(), kernel: (await runner.run(["uname", "-r"])).stdout.trim() },
      serverStartToReadyMs: serverReadyMs,
      serverStartToCorednsReadyMs: corednsReadyMs,
      agentStartToReadyMs: agentJoinReadyMs,
      idleSeconds,
      serverIdlePss: nodePss(srv),
      agentIdlePss: nodePss(agt),
      note: "start = spawning `k3s` (node + tsx from source); Ready polled every 200 ms with kubectl",
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const n of [...nodes].reverse()) {
      if (!n.proc || n.exited) continue;
      const child = readFileSync(`/proc/${n.proc.pid}/task/${n.proc.pid}/children`, "utf8").trim().split(" ")[0];
      if (child) process.kill(Number(child), "SIGTERM");
      const t0 = Date.now();
      while (!n.exited && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
      if (!n.exited) n.proc.kill("SIGKILL");
    }
    await lab.destroy();
    for (const n of nodes) {
      for (const d of cgroupDirs(n.cgroupRoot)) removeCgroupTree(d);
      rmSync(n.root, { recursive: true, force: true });
    }
  }
}

main().catch((e: Error) => {
  process.stderr.write(`bench: error: ${e.message}\n`);
  process.exit(1);
});
