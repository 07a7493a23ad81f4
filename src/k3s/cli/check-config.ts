// `k3s check-config`: does this kernel and this image have what the node needs? Like k3s's
// check-config.sh, it reads the kernel config, the cgroup mounts and looks for the binaries, and
// exits non-zero when something required is missing. Everything is read under a root prefix.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { KubeBinaries } from "../layout/binaries.ts";

/** Kernel options the node's components need (containerd/runc, kube-proxy iptables, flannel, bridge CNI). */
export const REQUIRED_KERNEL_OPTIONS = [
  "NAMESPACES", "NET_NS", "PID_NS", "IPC_NS", "UTS_NS",
  "CGROUPS", "CGROUP_CPUACCT", "CGROUP_DEVICE", "CGROUP_FREEZER", "CGROUP_SCHED", "CPUSETS", "MEMCG", "CGROUP_PIDS",
  "KEYS", "VETH", "BRIDGE", "BRIDGE_NETFILTER", "NF_CONNTRACK", "NF_NAT",
  "IP_NF_FILTER", "IP_NF_NAT", "IP_NF_TARGET_MASQUERADE",
  "NETFILTER_XT_MATCH_ADDRTYPE", "NETFILTER_XT_MATCH_CONNTRACK", "NETFILTER_XT_MATCH_COMMENT",
  "NETFILTER_XT_MATCH_MULTIPORT", "NETFILTER_XT_MATCH_STATISTIC", "NETFILTER_XT_MARK",
  "POSIX_MQUEUE", "OVERLAY_FS", "VXLAN",
] as const;

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
  required: boolean;
}

/** The kernel config: /proc/config.gz, else /boot/config-<release>. */
export function readKernelConfig(root: string, release: string): { text: string; source: string } | undefined {
  const gz = join(root, "proc", "config.gz");
  if (existsSync(gz)) return { text: gunzipSync(readFileSync(gz)).toString("utf8"), source: "/proc/config.gz" };
  for (const p of [`/boot/config-${release}`, `/usr/src/linux-${release}/.config`]) {
    if (existsSync(join(root, p))) return { text: readFileSync(join(root, p), "utf8"), source: p };
  }
  return undefined;
}

export function checkKernelOptions(configText: string): Check[] {
  const values = new Map<string, string>();
  for (const m of configText.matchAll(/^CONFIG_([A-Z0-9_]+)=(.*)$/gm)) values.set(m[1]!, m[2]!);
  return REQUIRED_KERNEL_OPTIONS.map((opt) => {
    const v = values.get(opt);
    return { what: `CONFIG_${opt}`, ok: v === "y" || v === "m", detail: v === "y" ? "enabled" : v === "m" ? "module" : "missing", required: true };
  });
}

export function checkCgroups(root: string): Check[] {
  const mounts = existsSync(join(root, "proc", "self", "mounts")) ? readFileSync(join(root, "proc", "self", "mounts"), "utf8") : "";
  const v2 = /\s\/sys\/fs\/cgroup\s+cgroup2\s/.test(mounts);
  const controllers = new Set<string>();
  if (v2) {
    const f = join(root, "sys", "fs", "cgroup", "cgroup.controllers");
    if (existsSync(f)) for (const c of readFileSync(f, "utf8").trim().split(/\s+/)) controllers.add(c);
  } else {
    for (const m of mounts.matchAll(/^\S+\s+\S+\s+cgroup\s+(\S+)/gm)) for (const o of m[1]!.split(",")) controllers.add(o);
  }
  const checks: Check[] = [{ what: "cgroup hierarchy", ok: v2 || controllers.size > 0, detail: v2 ? "cgroup v2" : controllers.size > 0 ? "cgroup v1" : "none mounted", required: true }];
  for (const c of ["cpu", "cpuset", "memory", "pids"]) {
    checks.push({ what: `cgroup controller ${c}`, ok: controllers.has(c), detail: controllers.has(c) ? "present" : "missing", required: c !== "cpuset" });
  }
  return checks;
}

export function checkBinaries(bins: KubeBinaries): Check[] {
  const files: [string, string][] = [
    ...["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl", "containerd", "ctr", "kine", "etcd", "flanneld"].map(
      (a): [string, string] => [a, join(bins.binDir, a)],
    ),
    ["runc", bins.runc],
    ["containerd-shim-runc-v2", bins.shim],
    ...["bridge", "host-local", "portmap", "loopback"].map((p): [string, string] => [`CNI plugin ${p}`, join(bins.cniBinDir, p)]),
  ];
  return files.map(([what, p]) => ({ what, ok: existsSync(p), detail: existsSync(p) ? p : `${p} missing`, required: true }));
}

export function runChecks(opts: { root: string; release: string; bins: KubeBinaries }): { checks: Check[]; notes: string[] } {
  const notes: string[] = [];
  const checks: Check[] = [];
  const cfg = readKernelConfig(opts.root, opts.release);
  if (cfg) {
    notes.push(`kernel config: ${cfg.source}`);
    checks.push(...checkKernelOptions(cfg.text));
  } else {
    notes.push(`kernel config not found (/proc/config.gz, /boot/config-${opts.release}): kernel options not checked`);
  }
  checks.push(...checkCgroups(opts.root), ...checkBinaries(opts.bins));
  if (existsSync(join(opts.root, "sys", "module", "apparmor"))) notes.push("AppArmor present");
  if (existsSync(join(opts.root, "proc", "sys", "net", "bridge"))) notes.push("br_netfilter loaded");
  return { checks, notes };
}

export function formatChecks(result: { checks: Check[]; notes: string[] }): { text: string; failed: number } {
  const lines = [...result.notes.map((n) => `info: ${n}`)];
  let failed = 0;
  for (const c of result.checks) {
    const mark = c.ok ? "ok" : c.required ? "MISSING" : "optional, missing";
    if (!c.ok && c.required) failed++;
    lines.push(`${c.what.padEnd(40)} ${mark}${c.ok ? "" : ` (${c.detail})`}`);
  }
  lines.push(failed === 0 ? "STATUS: pass" : `STATUS: ${failed} required item(s) missing`);
  return { text: `${lines.join("\n")}\n`, failed };
}
