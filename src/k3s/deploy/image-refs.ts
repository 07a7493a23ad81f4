// The references of the images the bundled manifests run. builder/kube/node-images.ts packs the
// archives under exactly these names (a unit test pins the two together), the image puts them in
// agent/images/, and containerd imports them at start: nothing is ever pulled.
export const BUNDLED_IMAGES = {
  coredns: "localhost/k3os/coredns:v1.15.0",
  localPathProvisioner: "localhost/k3os/local-path-provisioner:v0.0.30",
  /** Runs local-path-provisioner's helper pods (mkdir/rm of each volume's directory). */
  busybox: "localhost/k3os/busybox:1.35",
} as const;
