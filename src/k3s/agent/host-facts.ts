// What the node learns about its host before configuring components, read under the root prefix so
// unit tests can fake it.
import { existsSync, readFileSync } from "node:fs";
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { join } from "node:path";

export interface HostFacts {
  hostname: string;
  procNetRoute: string;
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Root may lower oom_score_adj (CAP_SYS_RESOURCE); where it may not, containerd must not try. */
  canAdjustOomScore: boolean;
  apparmorEnabled: boolean;
  /** The root filesystem is an initramfs (rootfs/ramfs): runc cannot pivot_root out of it. */
  rootIsRamfs: boolean;
}

function read(root: string, p: string): string {
  const f = join(root, p);
  return existsSync(f) ? readFileSync(f, "utf8") : "";
}

export function rootFsType(mounts: string): string | undefined {
  const lines = mounts.split("\n").map((l) => l.split(" ")).filter((f) => f[1] === "/");
  return lines.at(-1)?.[2];
}

export function readHostFacts(root: string): HostFacts {
  const status = read(root, "proc/self/status");
  return {
    hostname: hostname(),
    procNetRoute: read(root, "proc/net/route"),
    interfaces: networkInterfaces(),
    canAdjustOomScore: status === "" ? true : hasSysResource(status),
    apparmorEnabled: read(root, "sys/module/apparmor/parameters/enabled").trim() === "Y",
    rootIsRamfs: ["rootfs", "ramfs"].includes(rootFsType(read(root, "proc/self/mounts")) ?? ""),
  };
}

/** Capability bit 24 (CAP_SYS_RESOURCE) in the CapEff line of /proc/self/status. */
export function hasSysResource(procSelfStatus: string): boolean {
  const hex = procSelfStatus.match(/^CapEff:\s*([0-9a-f]+)$/m)?.[1];
  return hex !== undefined && (BigInt(`0x${hex}`) & (1n << 24n)) !== 0n;
}
