// The join API's part for servers joining a server, on the k3s port, for the server token only:
// - GET  /v1-k3s/server-bootstrap: the cluster's CAs (with their keys), the service-account key and
//   cred/passwd, so every server signs and verifies with the same keys (k3s's bootstrap data);
// - POST /v1-k3s/etcd/member-add {name, peerURL}: adds the joiner to the embedded etcd as a learner
//   and answers the members it must list in --initial-cluster;
// - POST /v1-k3s/etcd/member-promote {peerURL}: makes that learner a voting member once etcd says it
//   has caught up (until then 409, and the joiner asks again).
// A learner first, as k3s does: adding a voting member to a one-member cluster would need both for
// quorum before the new one has even started.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { relative } from "node:path";
import { addMember, EtcdError, listMembers, promoteMember, type EtcdEndpoint, type EtcdMember } from "../cluster/etcd-client.ts";
import type { NodePaths } from "../layout/paths.ts";

export interface Answer {
  status: number;
  body: string;
  type?: string;
}

/** The files a joining server takes from the cluster, by absolute path on this server. */
export function bootstrapFiles(paths: NodePaths): string[] {
  const tls = paths.server.tls;
  const pairs = [tls.clientCa, tls.serverCa, tls.requestHeaderCa, tls.etcd.serverCa, tls.etcd.peerCa];
  return [...pairs.flatMap((p) => [p.crt, p.key]), tls.serviceKey, paths.server.cred.passwd];
}

/** `{ files: { "tls/server-ca.crt": PEM, ... } }`, paths relative to server/. */
export function answerServerBootstrap(paths: NodePaths): Answer {
  const files = Object.fromEntries(bootstrapFiles(paths).map((f) => [relative(paths.server.dir, f), readFileSync(f, "utf8")]));
  return { status: 200, body: JSON.stringify({ files }), type: "application/json" };
}

const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value), type: "application/json" });
const text = (status: number, body: string): Answer => ({ status, body: `${body}\n` });

/** A peer URL a member may claim: https://<IP>:<port>, nothing else. */
function checkPeerUrl(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const m = v.match(/^https:\/\/(\[[0-9a-f:]+\]|[0-9.]+):(\d+)$/);
  return m && isIP(m[1]!.replace(/^\[|\]$/g, "")) !== 0 ? v : undefined;
}

/** The members as `--initial-cluster` needs them: the joiner's unnamed entry gets its name. */
export function initialClusterOf(members: EtcdMember[], joiner: { name: string; peerUrl: string }): { name: string; peerURL: string }[] {
  return members.map((m) => {
    const own = m.peerURLs.includes(joiner.peerUrl);
    return { name: own ? joiner.name : m.name || m.ID, peerURL: m.peerURLs[0] ?? "" };
  });
}

export async function answerMemberAdd(ep: EtcdEndpoint | undefined, body: Record<string, unknown>): Promise<Answer> {
  if (!ep) return text(409, "this server does not run embedded etcd (it was started without --cluster-init): no etcd cluster to join");
  const name = typeof body.name === "string" && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(body.name) ? body.name : undefined;
  const peerUrl = checkPeerUrl(body.peerURL);
  if (!name || !peerUrl) return text(400, "expected {name: a DNS name, peerURL: https://IP:PORT}");
  try {
    let members = await listMembers(ep);
    const clash = members.find((m) => m.name === name && !m.peerURLs.includes(peerUrl));
    if (clash) return text(409, `an etcd member named ${name} already exists at ${clash.peerURLs.join(",")}`);
    // Asked again (the joiner restarted before its etcd first ran): the member is there already.
    if (!members.some((m) => m.peerURLs.includes(peerUrl))) members = await addMember(ep, peerUrl, true);
    return json(200, { members: initialClusterOf(members, { name, peerUrl }) });
  } catch (e) {
    return text(503, `etcd: ${(e as Error).message}`);
  }
}

export async function answerMemberPromote(ep: EtcdEndpoint | undefined, body: Record<string, unknown>): Promise<Answer> {
  if (!ep) return text(409, "this server does not run embedded etcd");
  const peerUrl = checkPeerUrl(body.peerURL);
  if (!peerUrl) return text(400, "expected {peerURL: https://IP:PORT}");
  try {
    const member = (await listMembers(ep)).find((m) => m.peerURLs.includes(peerUrl));
    if (!member) return text(404, `no etcd member at ${peerUrl}`);
    if (!member.isLearner) return json(200, { promoted: true, id: member.ID });
    await promoteMember(ep, member.ID);
    return json(200, { promoted: true, id: member.ID });
  } catch (e) {
    // FAILED_PRECONDITION: "can only promote a learner member which is in sync with leader".
    if (e instanceof EtcdError && e.code === 9) return text(409, `not yet: ${e.message}`);
    return text(503, `etcd: ${(e as Error).message}`);
  }
}
