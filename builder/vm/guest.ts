// What the VM tests and the node benchmark ask of a booted node: wait for Kubernetes to report it
// Ready, and read how much memory the guest uses. Both run on the logged-in serial console.
import type { Vm } from "./console.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the node reports Ready; returns the seconds since QEMU started. Each kubectl is a
 * start of the whole multi-call binary (seconds under TCG) that would slow the node it waits for:
 * k3s's own log is polled until the kubelet is up, then the API is asked.
 */
export async function waitForNodeReady(vm: Vm, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while ((await vm.run("sudo -n grep -q 'kubelet is ready' /var/log/k3s-service.log", 60_000)).code !== 0) {
    if (Date.now() > deadline) break;
    await sleep(10_000);
  }
  const jsonpath = `{.items[0].metadata.name} {.items[0].status.conditions[?(@.type=="Ready")].status}`;
  for (;;) {
    const r = await vm.run(`sudo -n kubectl get nodes -o jsonpath='${jsonpath}' 2>&1`, 120_000);
    if (r.code === 0 && / True$/.test(r.out)) return (Date.now() - vm.startedAt) / 1000;
    if (Date.now() > deadline) {
      const log = await vm.run("sudo -n tail -n 30 /var/log/k3s-service.log", 60_000);
      throw new Error(`node not Ready after ${timeoutMs / 1000} s: ${r.out}\n${log.out}`);
    }
    await sleep(10_000);
  }
}

export interface GuestMemory {
  /** MemTotal - MemAvailable, MiB: what the guest's kernel counts as used */
  usedMiB: number;
  totalMiB: number;
  /** Shmem, MiB: tmpfs contents among the used memory (a live node's whole root is a tmpfs) */
  shmemMiB: number;
  /** PSS summed over every process, MiB (shared pages split between their users) */
  pssMiB: number;
  processes: number;
}

// One shell line (the console runs it as rancher with sudo): meminfo plus the PSS of every
// process from smaps_rollup, which exists for every process on the image's 6.12 kernel.
const MEMORY_PROBE =
  "sudo -n sh -c 'awk \"/^MemTotal:/{t=\\$2} /^MemAvailable:/{a=\\$2} /^Shmem:/{m=\\$2} END{print t, a, m}\" /proc/meminfo; " +
  "cat /proc/[0-9]*/smaps_rollup 2>/dev/null | awk \"/^Pss:/{s+=\\$2; n++} END{print s, n}\"'";

export function parseMemoryProbe(out: string): GuestMemory {
  const nums = out.trim().split(/\s+/).map(Number);
  const [total, available, shmem, pss, processes] = nums;
  if (nums.length !== 5 || nums.some((n) => !Number.isFinite(n))) throw new Error(`unexpected memory probe output: ${JSON.stringify(out)}`);
  const mib = (kib: number) => Number((kib / 1024).toFixed(1));
  return { usedMiB: mib(total! - available!), totalMiB: mib(total!), shmemMiB: mib(shmem!), pssMiB: mib(pss!), processes: processes! };
}

export async function readGuestMemory(vm: Vm): Promise<GuestMemory> {
  const r = await vm.run(MEMORY_PROBE, 120_000);
  if (r.code !== 0) throw new Error(`memory probe failed (${r.code}): ${r.out}`);
  return parseMemoryProbe(r.out);
}
