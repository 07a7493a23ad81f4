// k3s's defaults, one table: the flag table (cli/flags.ts), the settings schema (cli/settings.ts),
// the tool commands and the image builder all read these, so a default is changed in one place.
// Dependency-free on purpose: the builder imports layout/ and nothing else of src/k3s.

export const K3S_DEFAULTS = {
  configFile: "/etc/rancher/k3s/config.yaml",
  dataDir: "/var/lib/rancher/k3s",
  /** The admin kubeconfig (--write-kubeconfig). */
  kubeconfig: "/etc/rancher/k3s/k3s.yaml",
  /** Built by builder/kube/node-images.ts and imported from the system images: never pulled. */
  pauseImage: "localhost/k3os/pause:3.10",
  clusterCidr: "10.42.0.0/16",
  serviceCidr: "10.43.0.0/16",
  serviceNodePortRange: "30000-32767",
  clusterDomain: "cluster.local",
  flannelBackend: "vxlan",
  httpsListenPort: 6443,
} as const;

/** The images the OS itself ships (read-only /usr): imported before agent/images at every start. */
export const SYSTEM_IMAGES_DIR = "/usr/lib/k3os/images";

/** The tools `k3s TOOL` runs with the node's kubeconfig or containerd socket. */
export type Tool = "kubectl" | "crictl" | "ctr";
