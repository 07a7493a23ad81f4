// Kubeconfigs as k3s writes them: the components' ones point at files (server/cred/*.kubeconfig,
// agent/*.kubeconfig); the admin one (/etc/rancher/k3s/k3s.yaml) embeds its certificates so it can
// be copied off the node.
import { stringify } from "yaml";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";

export interface FileKubeconfig {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function renderFileKubeconfig(k: FileKubeconfig): string {
  return stringify({
    apiVersion: "v1",
    clusters: [{ cluster: { server: k.server, "certificate-authority": k.caFile }, name: "local" }],
    contexts: [{ context: { cluster: "local", namespace: "default", user: "user" }, name: "Default" }],
    "current-context": "Default",
    kind: "Config",
    preferences: {},
    users: [{ name: "user", user: { "client-certificate": k.certFile, "client-key": k.keyFile } }],
  });
}

export interface EmbeddedKubeconfig {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

export function renderEmbeddedKubeconfig(k: EmbeddedKubeconfig): string {
  return stringify({
    apiVersion: "v1",
    clusters: [{ cluster: { "certificate-authority-data": b64(k.caPem), server: k.server }, name: "default" }],
    contexts: [{ context: { cluster: "default", user: "default" }, name: "default" }],
    "current-context": "default",
    kind: "Config",
    preferences: {},
    users: [{ name: "default", user: { "client-certificate-data": b64(k.certPem), "client-key-data": b64(k.keyPem) } }],
  });
}

/** Component kubeconfigs hold paths to keys: 0600 as k3s (CIS) requires. */
export function writeFileKubeconfig(path: string, k: FileKubeconfig): void {
  writeFileAtomicSync(path, renderFileKubeconfig(k), { mode: 0o600 });
}

export function writeEmbeddedKubeconfig(path: string, k: EmbeddedKubeconfig, mode = 0o600, gid?: number): void {
  // uid -1 keeps the owner: writeFileAtomicSync changes the group only together with a uid.
  writeFileAtomicSync(path, renderEmbeddedKubeconfig(k), { mode, gid });
}
