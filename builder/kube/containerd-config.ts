// containerd 2.x configuration (schema version 3; containerd migrates it to its version 4): the CRI
// plugin with the overlayfs snapshotter, runc without systemd cgroups, the pinned pause image, and
// the settings a node needs when its root lacks CAP_SYS_RESOURCE or AppArmor.
export interface ContainerdConfigInput {
  /** Persistent state: images, snapshots, content. */
  root: string;
  /** Runtime state: sockets, bundles (a tmpfs). */
  state: string;
  /** The gRPC socket. */
  address: string;
  /** The runc binary the runc runtime runs. */
  runcBinary: string;
  cniBinDirs: string[];
  cniConfDir: string;
  /** Sandbox (pause) image reference; pinned so image GC never removes it. */
  sandboxImage: string;
  snapshotter?: string;
  /** Root lacks CAP_SYS_RESOURCE (a container, a test namespace): never lower a score. */
  restrictOomScoreAdj?: boolean;
  disableApparmor?: boolean;
  /** A root on an initramfs cannot pivot_root out of it. */
  noPivotRoot?: boolean;
  streamServerAddress?: string;
}

const q = (s: string) => JSON.stringify(s); // TOML basic strings escape like JSON strings

export function renderContainerdConfig(c: ContainerdConfigInput): string {
  const rt = `plugins."io.containerd.cri.v1.runtime"`;
  return [
    "version = 3",
    `root = ${q(c.root)}`,
    `state = ${q(c.state)}`,
    "",
    "[grpc]",
    `  address = ${q(c.address)}`,
    "",
    // The opt plugin would otherwise create /opt/containerd on the host's root.
    `[plugins."io.containerd.internal.v1.opt"]`,
    `  path = ${q(`${c.root}/opt`)}`,
    "",
    `[plugins."io.containerd.cri.v1.images"]`,
    `  snapshotter = ${q(c.snapshotter ?? "overlayfs")}`,
    `[plugins."io.containerd.cri.v1.images".pinned_images]`,
    `  sandbox = ${q(c.sandboxImage)}`,
    "",
    `[${rt}]`,
    `  restrict_oom_score_adj = ${c.restrictOomScoreAdj ?? false}`,
    `  disable_apparmor = ${c.disableApparmor ?? false}`,
    `[${rt}.containerd]`,
    `  default_runtime_name = "runc"`,
    `[${rt}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    `[${rt}.containerd.runtimes.runc.options]`,
    `  BinaryName = ${q(c.runcBinary)}`,
    `  SystemdCgroup = false`,
    `  NoPivotRoot = ${c.noPivotRoot ?? false}`,
    `[${rt}.cni]`,
    `  bin_dirs = [${c.cniBinDirs.map(q).join(", ")}]`,
    `  conf_dir = ${q(c.cniConfDir)}`,
    "",
    `[plugins."io.containerd.grpc.v1.cri"]`,
    `  stream_server_address = ${q(c.streamServerAddress ?? "127.0.0.1")}`,
    `  stream_server_port = "0"`,
    "",
  ].join("\n");
}
