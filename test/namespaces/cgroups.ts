// The host's cgroup hierarchies, where each test node's kubelet cgroup root is made before it
// starts and removed after: the host has no cgroup namespace, so nothing else cleans them up.
import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";

/** Cgroup hierarchies (v1 and the unified one) of the host, where the kubelet's cgroup root must exist. */
export function cgroupDirs(cgroupRoot: string): string[] {
  return readdirSync("/sys/fs/cgroup").map((d) => join("/sys/fs/cgroup", d, cgroupRoot)).filter((d) => existsSync(join(d, "..", "cgroup.procs")));
}

export function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // still busy: the tests' leak checks report it
  }
}
