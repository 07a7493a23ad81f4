// The bundled CoreDNS manifest: k3s's manifests/coredns.yaml with k3os's image (text in
// manifests/coredns.yaml). The Service takes the --cluster-dns address (the kubelet's clusterDNS),
// the Corefile is k3s's. NodeHosts, which k3s keeps up to date from the Node objects, starts with
// this server's own name and addresses (the ConfigMap key must exist or the pod's volume never mounts).
import { parseAllDocuments } from "yaml";
import { BUNDLED_IMAGES } from "./image-refs.ts";
import { renderManifest } from "./manifest-template.ts";

export interface CorednsOptions {
  clusterDns: string;
  clusterDomain: string;
  nodeName: string;
  nodeIps: string[];
}

export function renderCorednsManifest(o: CorednsOptions): string {
  return renderManifest("coredns", {
    CLUSTER_DNS: o.clusterDns,
    CLUSTER_DOMAIN: o.clusterDomain,
    NODE_HOSTS: o.nodeIps.map((ip) => `${ip} ${o.nodeName}`).join("\n"),
    COREDNS_IMAGE: BUNDLED_IMAGES.coredns,
  });
}

/** The Corefile the manifest's ConfigMap carries (the tools tier serves it with the real CoreDNS). */
export function renderCorefile(clusterDomain: string): string {
  const manifest = renderCorednsManifest({ clusterDns: "10.43.0.10", clusterDomain, nodeName: "n", nodeIps: ["127.0.0.1"] });
  for (const doc of parseAllDocuments(manifest)) {
    const o = doc.toJS() as { kind?: string; data?: { Corefile?: string } };
    if (o.kind === "ConfigMap" && o.data?.Corefile) return o.data.Corefile;
  }
  throw new Error("manifest coredns: no ConfigMap with a Corefile");
}
