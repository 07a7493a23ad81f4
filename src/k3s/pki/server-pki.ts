// The server's PKI as k3s lays it out in server/tls/, and the kubeconfigs that use it.
// Names, common names and organizations follow k3s so RBAC bindings and tools written for k3s hold.
import { isIP } from "node:net";
import { join } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { NodeFiles } from "../../system/files.ts";
import type { Logger } from "../../system/log.ts";
import { readGroups } from "../../system/users.ts";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import { ensureDir } from "../util/fs-util.ts";
import { writeEmbeddedKubeconfig, writeFileKubeconfig } from "./kubeconfig.ts";
import { nthAddress } from "../util/net-util.ts";
import type { NodePaths } from "../layout/paths.ts";
import type { Settings } from "../cli/settings.ts";
import { ensureCa, ensureLeaf, loadOrCreateKey, type PemPair, type StoreContext } from "./cert-store.ts";
import { firstCertPem, type CertSpec } from "./certs.ts";
import { generateRsaKeyPem } from "./keys.ts";

type PkiSettings = Pick<Settings, "clusterDomain" | "tlsSan" | "nodeIp" | "nodeExternalIp" | "advertiseAddress" | "serviceCidr" | "httpsListenPort">;

/** The kube-apiserver listens on the next port, behind the k3s supervisor port (as in k3s). */
export function apiServerPort(s: Pick<Settings, "httpsListenPort">): number {
  return s.httpsListenPort + 1;
}

/** SANs of the apiserver's serving certificate: k3s's fixed names, the node's addresses, --tls-san. */
export function apiServerSans(s: PkiSettings, hostname: string): { dnsNames: string[]; ips: string[] } {
  const dns = new Set(["kubernetes", "kubernetes.default", "kubernetes.default.svc", `kubernetes.default.svc.${s.clusterDomain}`, "localhost", hostname]);
  const ips = new Set(["127.0.0.1", "::1", ...s.serviceCidr.map((c) => nthAddress(c, 1)), ...s.nodeIp, ...s.nodeExternalIp]);
  if (s.advertiseAddress) ips.add(s.advertiseAddress);
  for (const san of s.tlsSan) (isIP(san) ? ips : dns).add(san);
  return { dnsNames: [...dns], ips: [...ips] };
}

const clientCerts = (p: NodePaths["server"]["tls"]): [PemPair, Omit<CertSpec, "usages">][] => [
    [p.clientAdmin, { commonName: "system:admin", organization: ["system:masters"] }],
    [p.clientSupervisor, { commonName: "system:k3s-supervisor", organization: ["system:masters"] }],
    [p.clientController, { commonName: "system:kube-controller-manager" }],
    [p.clientScheduler, { commonName: "system:kube-scheduler" }],
    [p.clientKubeApiserver, { commonName: "system:apiserver", organization: ["system:masters"] }],
    [p.clientKubeProxy, { commonName: "system:kube-proxy" }],
    [p.clientK3sController, { commonName: "system:k3s-controller" }],
];

export interface PkiOptions {
  now: Date;
  log: Logger;
  hostname: string;
}

/** Creates what is missing and renews what k3s would renew; returns the files written. */
export async function ensureServerPki(s: PkiSettings, paths: NodePaths, opts: PkiOptions): Promise<string[]> {
  const tls = paths.server.tls;
  ensureDir(tls.dir, 0o700);
  ensureDir(paths.server.cred.dir, 0o700);
  const ctx: StoreContext = { now: opts.now, log: opts.log, written: [] };
  const client = (spec: Omit<CertSpec, "usages">): CertSpec => ({ ...spec, usages: ["client"] });

  const clientCa = await ensureCa(tls.clientCa, "k3s-client", ctx);
  writeFileAtomicSync(tls.clientCaNoChain, firstCertPem(clientCa.certPem));
  for (const [files, spec] of clientCerts(tls)) {
    await ensureLeaf(files, client(spec), clientCa, ctx);
  }
  await loadOrCreateKey(tls.clientKubeletKey, ctx, clientCa.created);

  const serverCa = await ensureCa(tls.serverCa, "k3s-server", ctx);
  writeFileAtomicSync(tls.serverCaNoChain, firstCertPem(serverCa.certPem));
  const sans = apiServerSans(s, opts.hostname);
  await ensureLeaf(tls.servingKubeApiserver, { commonName: "kube-apiserver", ...sans, usages: ["server"] }, serverCa, ctx);
  await loadOrCreateKey(tls.servingKubeletKey, ctx, serverCa.created);

  const requestHeaderCa = await ensureCa(tls.requestHeaderCa, "k3s-request-header", ctx);
  await ensureLeaf(tls.clientAuthProxy, client({ commonName: "system:auth-proxy" }), requestHeaderCa, ctx);

  const etcdSans = { dnsNames: ["kine.sock", "localhost", opts.hostname, ...sans.dnsNames.filter((d) => !d.startsWith("kubernetes"))], ips: sans.ips };
  const etcdServerCa = await ensureCa(tls.etcd.serverCa, "etcd-server", ctx);
  await ensureLeaf(tls.etcd.client, client({ commonName: "etcd-client" }), etcdServerCa, ctx);
  await ensureLeaf(tls.etcd.serverClient, { commonName: "etcd-server", ...etcdSans, usages: ["server", "client"] }, etcdServerCa, ctx);
  const etcdPeerCa = await ensureCa(tls.etcd.peerCa, "etcd-peer", ctx);
  await ensureLeaf(tls.etcd.peerServerClient, { commonName: "etcd-peer", ...etcdSans, usages: ["server", "client"] }, etcdPeerCa, ctx);

  ensureServiceAccountKey(paths, ctx);
  writeComponentKubeconfigs(s, paths);
  return ctx.written;
}

/** service.key may hold old keys after a rotation; the first one signs, so it gets a file of its own. */
function ensureServiceAccountKey(paths: NodePaths, ctx: StoreContext): void {
  const tls = paths.server.tls;
  if (!existsSync(tls.serviceKey)) {
    writeFileAtomicSync(tls.serviceKey, generateRsaKeyPem(), { mode: 0o600 });
    ctx.written.push(tls.serviceKey);
  }
  const first = readFileSync(tls.serviceKey, "utf8").match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----\n?/)?.[0];
  if (!first) throw new Error(`${tls.serviceKey}: no PEM key`);
  writeFileAtomicSync(tls.serviceCurrentKey, first.endsWith("\n") ? first : `${first}\n`, { mode: 0o600 });
}

function writeComponentKubeconfigs(s: PkiSettings, paths: NodePaths): void {
  const tls = paths.server.tls;
  const cred = paths.server.cred;
  const server = `https://127.0.0.1:${apiServerPort(s)}`;
  const entries = [
    [cred.adminKubeconfig, tls.clientAdmin],
    [cred.supervisorKubeconfig, tls.clientSupervisor],
    [cred.controllerKubeconfig, tls.clientController],
    [cred.schedulerKubeconfig, tls.clientScheduler],
    [cred.apiServerKubeconfig, tls.clientKubeApiserver],
  ] as const;
  for (const [file, pair] of entries) {
    writeFileKubeconfig(file, { server, caFile: tls.serverCa.crt, certFile: pair.crt, keyFile: pair.key });
  }
}

/**
 * The gid of --write-kubeconfig-group: a number as is, else a name from the node's /etc/group. As
 * k3s, a group that cannot be resolved is logged and the file keeps its group: the server still runs.
 */
async function kubeconfigGid(group: string | undefined, root: string, log: Logger, file: string): Promise<number | undefined> {
  if (group === undefined) return undefined;
  if (/^\d+$/.test(group)) return Number(group);
  const gid = (await readGroups(new NodeFiles(root, false))).get(group);
  if (gid === undefined || Number.isNaN(gid)) log.warn(`${file}: group ${group}: no such group in ${join(root, "etc/group")}; the file keeps its group`);
  return gid;
}

/** /etc/rancher/k3s/k3s.yaml: the admin credentials, embedded, for the k3s port on loopback. */
export async function writeAdminKubeconfig(
  s: Pick<Settings, "httpsListenPort" | "writeKubeconfigMode" | "writeKubeconfigGroup">,
  paths: NodePaths,
  log: Logger,
): Promise<void> {
  const tls = paths.server.tls;
  writeEmbeddedKubeconfig(
    paths.adminKubeconfig,
    {
      server: `https://127.0.0.1:${s.httpsListenPort}`,
      caPem: readFileSync(tls.serverCa.crt, "utf8"),
      certPem: readFileSync(tls.clientAdmin.crt, "utf8"),
      keyPem: readFileSync(tls.clientAdmin.key, "utf8"),
    },
    s.writeKubeconfigMode ?? 0o600,
    await kubeconfigGid(s.writeKubeconfigGroup, paths.root, log, paths.adminKubeconfig),
  );
}

