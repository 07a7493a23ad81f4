// The option sets test/unit/k3s/fixtures/manifests/NAME.SET.yaml were rendered with, by the
// TypeScript templates the manifests/*.yaml files replaced: the files must render the same bytes.
import type { StageOptions } from "../../../src/k3s/deploy/stage.ts";

export const MANIFEST_SETS: Record<string, StageOptions> = {
  defaults: {
    dir: "",
    root: "/",
    nodeName: "srv",
    nodeIps: ["10.0.0.5"],
    settings: { disable: [], clusterDns: ["10.43.0.10"], clusterDomain: "cluster.local", defaultLocalStoragePath: "/var/lib/rancher/k3s/storage" },
  },
  custom: {
    dir: "",
    root: "/tmp/noderoot",
    nodeName: "node-b",
    nodeIps: ["10.0.0.6", "fd00::6"],
    settings: { disable: [], clusterDns: ["10.96.0.10"], clusterDomain: "example.internal", defaultLocalStoragePath: '/data/with "quote"' },
  },
};
