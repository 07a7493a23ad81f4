// `k3s killall`: stop everything the node started and remove what it made, like k3s-killall.sh:
// component and container processes, mounts under the node's directories, the CNI network
// namespaces, the interfaces flannel and the bridge made, and the iptables rules of kube-proxy,
// flannel and the CNI plugins. System commands go through the runner (so --dry-run shows them).
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import type { Runner } from "../../exec/runner.ts";
import type { Logger } from "../../system/log.ts";
import type { KubeBinaries } from "../layout/binaries.ts";
import type { NodePaths } from "../layout/paths.ts";

export const NODE_INTERFACES = ["cni0", "flannel.1", "flannel-v6.1", "flannel-wg", "flannel-wg-v6", "kube-ipvs0"];
const RULE_PATTERN = /KUBE-|CNI-|flannel/i;

/** PIDs whose executable lies in the Kubernetes bin dir (components, shims, runc). */
export function findNodeProcesses(root: string, bins: Pick<KubeBinaries, "binDir">, self = process.pid): number[] {
  const proc = join(root, "proc");
  if (!existsSync(proc)) return [];
  const pids: number[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name) || Number(name) === self) continue;
    let exe: string;
    try {
      exe = readlinkSync(join(proc, name, "exe"));
    } catch {
      continue; // gone, or a kernel thread
    }
    if (exe.startsWith(`${bins.binDir}/`)) pids.push(Number(name));
  }
  return pids;
}

/** Mount points under the node's directories, deepest first so children go before parents. */
export function nodeMounts(mountsText: string, prefixes: string[]): string[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = mountsText
    .split("\n")
    .map((l) => l.split(" ")[1])
    .filter((p): p is string => p !== undefined)
    .map(unescape)
    .filter((p) => prefixes.some((pre) => p === pre || p.startsWith(`${pre}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length || b.localeCompare(a));
}

/** iptables-save output without the rules and chains kube-proxy, flannel and CNI made. */
export function filterRules(save: string): string {
  return save
    .split("\n")
    .filter((l) => !RULE_PATTERN.test(l))
    .join("\n");
}

export interface KillallContext {
  root: string;
  paths: NodePaths;
  bins: KubeBinaries;
  runner: Runner;
  log: Logger;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

export async function killall(ctx: KillallContext): Promise<void> {
  const { root, paths, runner, log } = ctx;
  const kill = ctx.kill ?? ((pid, sig) => process.kill(pid, sig));
  for (const pid of findNodeProcesses(root, ctx.bins)) {
    log.info(`killing process ${pid}`);
    if (!runner.dryRun) {
      try {
        kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  const mountsFile = join(root, "proc", "self", "mounts");
  const mounts = existsSync(mountsFile) ? readFileSync(mountsFile, "utf8") : "";
  const prefixes = [paths.run.dir, paths.dataDir, join(paths.kubeletDir, "pods"), join(paths.kubeletDir, "plugins"), join(root, "run", "netns")].map((p) =>
    p.replace(/\/+$/, ""),
  );
  for (const m of nodeMounts(mounts, prefixes)) {
    if (m.startsWith(join(root, "run", "netns")) && !basename(m).startsWith("cni-")) continue;
    await runner.run(["umount", "--lazy", m], { allowFailure: true });
  }

  const netnsDir = join(root, "run", "netns");
  if (existsSync(netnsDir)) {
    for (const ns of readdirSync(netnsDir).filter((n) => n.startsWith("cni-"))) {
      await runner.run(["ip", "netns", "delete", ns], { allowFailure: true });
    }
  }

  const netDir = join(root, "sys", "class", "net");
  const links = existsSync(netDir) ? readdirSync(netDir) : [];
  const bridged = links.filter((l) => {
    try {
      return basename(readlinkSync(join(netDir, l, "master"))) === "cni0";
    } catch {
      return false;
    }
  });
  for (const l of [...bridged, ...NODE_INTERFACES.filter((n) => links.includes(n))]) {
    await runner.run(["ip", "link", "delete", l], { allowFailure: true });
  }

  for (const family of ["iptables", "ip6tables"]) {
    const saved = await runner.run([`${family}-save`], { allowFailure: true });
    if (saved.exitCode !== 0 || !RULE_PATTERN.test(saved.stdout)) continue;
    await runner.run([`${family}-restore`], { input: filterRules(saved.stdout) });
  }

  for (const dir of [paths.cniDataDir, join(root, "run", "flannel")]) {
    log.info(`removing ${dir}`);
    if (!runner.dryRun) rmSync(dir, { recursive: true, force: true });
  }
}
