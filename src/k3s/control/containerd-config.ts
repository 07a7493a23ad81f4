// containerd 2.x config (schema version 3) for the node's CRI. What matters was measured in
// ../shared/notes/namespaces-node.md: the pinned sandbox image, runc by absolute path, CNI dirs,
// restrict_oom_score_adj where root lacks CAP_SYS_RESOURCE, no AppArmor where the kernel has none.
import type { KubeBinaries } from "../layout/binaries.ts";
import type { NodePaths } from "../layout/paths.ts";

export interface ContainerdInput {
  paths: NodePaths;
  binaries: Pick<KubeBinaries, "runc" | "cniBinDir">;
  pauseImage: string;
  /** True when the process cannot lower oom_score_adj (no CAP_SYS_RESOURCE): sandboxes fail otherwise. */
  restrictOomScoreAdj: boolean;
  /** True when the kernel has no AppArmor enabled. */
  disableApparmor: boolean;
  /** True when the root filesystem is an initramfs, from which runc cannot pivot_root. */
  noPivotRoot: boolean;
}

const q = (s: string) => JSON.stringify(s); // TOML basic strings share JSON's escapes

export function renderContainerdConfig(c: ContainerdInput): string {
  const rt = `plugins."io.containerd.cri.v1.runtime"`;
  return `# Written by k3s (k3os) at every start; edit config-v3.toml.tmpl beside it to replace it.
version = 3
root = ${q(c.paths.agent.containerdRoot)}
state = ${q(c.paths.run.containerdDir)}

[grpc]
  address = ${q(c.paths.run.containerdSocket)}

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"

[plugins."io.containerd.cri.v1.images".pinned_images]
  sandbox = ${q(c.pauseImage)}

[${rt}]
  enable_selinux = false
  restrict_oom_score_adj = ${c.restrictOomScoreAdj}
  disable_apparmor = ${c.disableApparmor}

[${rt}.containerd]
  default_runtime_name = "runc"

[${rt}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${rt}.containerd.runtimes.runc.options]
  BinaryName = ${q(c.binaries.runc)}
  SystemdCgroup = false
  NoPivotRoot = ${c.noPivotRoot}

[${rt}.cni]
  bin_dirs = [${q(c.binaries.cniBinDir)}]
  conf_dir = ${q(c.paths.agent.cniConfDir)}

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "10010"
`;
}
