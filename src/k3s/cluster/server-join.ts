// `k3s server --server URL --token T`: a server joining another server's embedded etcd, as k3s does
// it, over the join API on the k3s port (front/server-join-api.ts). The CA is checked against the
// token as for agents; the cluster's CAs and keys are taken once (a restart uses its own copy, so it
// starts while the other server is down); the cluster settings must agree; the etcd member is
// added as a learner through the joined server and promoted once it has caught up.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { Logger } from "../../system/log.ts";
import type { EtcdEndpoint } from "./etcd-client.ts";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import { z } from "zod";
import { agentConfigSchema, pickAgentConfig, type AgentConfig } from "../agent/agent-config.ts";
import { callServer, fetchTrustedCa, JoinError, parseReply } from "../agent/join-client.ts";

const bootstrapReply = z.object({ files: z.record(z.string(), z.string()).default({}) });
const memberAddReply = z.object({ members: z.array(z.object({ name: z.string(), peerURL: z.string() })) });
import type { NodePaths } from "../layout/paths.ts";
import { httpOk } from "../executor/probes.ts";
import { parseToken } from "../layout/token-format.ts";
import { hashCaBundle } from "../tokens/token.ts";

export interface JoinedServer {
  /** The joined server's k3s port, e.g. https://10.0.0.1:6443. */
  url: string;
  /** Its CA bundle, checked against the token's hash. */
  ca: string;
  /** `server:<secret>` */
  auth: string;
}

async function call(j: JoinedServer, endpoint: string, json?: unknown): Promise<{ status: number; body: string }> {
  let r;
  try {
    r = await callServer(`${j.url}/v1-k3s/${endpoint}`, { ca: j.ca, auth: j.auth, json });
  } catch (e) {
    throw new JoinError(`cannot reach ${j.url}: ${(e as Error).message}`);
  }
  if (r.status === 401) throw new JoinError(`${j.url} refused the token (HTTP 401): is it this cluster's server token?`);
  return r;
}

/**
 * Checks the server and the token, and writes the cluster's CAs, keys and passwd when this data dir
 * has none yet (`first`). A data dir that has them is not asked about again: a joined server
 * restarts from its own copy while the server it joined is down, its token checked against the
 * local CA. A data dir made for another cluster is refused.
 */
export async function takeClusterBootstrap(o: { server: string; token: string; paths: NodePaths; log: Logger }): Promise<JoinedServer & { first: boolean }> {
  const url = o.server.replace(/\/+$/, "");
  const t = parseToken(o.token);
  if (t.bootstrap || t.username !== "server") {
    throw new JoinError("a server joins with the server token (K10<hash>::server:<secret>, or the bare secret), not an agent or bootstrap token");
  }
  const auth = `server:${t.password}`;
  const localCa = o.paths.server.tls.serverCa.crt;
  if (existsSync(localCa)) {
    const ca = readFileSync(localCa, "utf8");
    if (t.caHash !== "" && t.caHash !== hashCaBundle(ca)) {
      throw new JoinError(`${o.paths.server.dir} holds another cluster's CA than the token's: refusing to join with it`);
    }
    return { url, ca, auth, first: false };
  }
  const j: JoinedServer = { url, ca: await fetchTrustedCa(url, o.token), auth };
  const r = await call(j, "server-bootstrap");
  if (r.status !== 200) throw new JoinError(`${url}/v1-k3s/server-bootstrap: HTTP ${r.status}: ${r.body.trim()}`);
  const { files } = parseReply(`${url}/v1-k3s/server-bootstrap`, bootstrapReply, r.body);
  const base = resolve(o.paths.server.dir);
  for (const [rel, content] of Object.entries(files)) {
    const target = resolve(base, rel);
    if (!target.startsWith(base + sep)) throw new JoinError(`server-bootstrap names a file outside server/: ${rel}`);
    writeFileAtomicSync(target, content, { mode: /\.crt$/.test(target) ? 0o644 : 0o600 });
  }
  o.log.info(`took the cluster's CAs and keys from ${url} (${Object.keys(files).length} files)`);
  return { ...j, first: true };
}

/** k3s refuses a server whose cluster-wide settings differ from the cluster's; so does this. */
export async function checkClusterSettings(j: JoinedServer, own: AgentConfig): Promise<void> {
  const r = await call(j, "config");
  if (r.status !== 200) throw new JoinError(`${j.url}/v1-k3s/config: HTTP ${r.status}: ${r.body.trim()}`);
  const theirs = pickAgentConfig(parseReply(`${j.url}/v1-k3s/config`, agentConfigSchema, r.body));
  const mine = pickAgentConfig(own);
  const differ = (Object.keys(theirs) as (keyof AgentConfig)[]).filter((k) => JSON.stringify(theirs[k]) !== JSON.stringify(mine[k]));
  if (differ.length > 0) {
    throw new JoinError(`cluster settings differ from ${j.url}'s: ${differ.map((k) => `${k} ${JSON.stringify(mine[k])} here, ${JSON.stringify(theirs[k])} there`).join("; ")}`);
  }
}

export interface InitialCluster {
  state: "new" | "existing";
  /** `name=peerURL` of the other members. */
  members: string[];
}

/** Adds this member through the joined server, unless its etcd already has data (then etcd knows
 * its cluster and ignores the initial-cluster flags). */
export async function joinEtcdCluster(j: JoinedServer, me: { name: string; peerUrl: string; etcdDir: string }): Promise<InitialCluster> {
  if (existsSync(join(me.etcdDir, "member"))) return { state: "existing", members: [] };
  const r = await call(j, "etcd/member-add", { name: me.name, peerURL: me.peerUrl });
  if (r.status !== 200) throw new JoinError(`${j.url} did not add this server to its etcd cluster: HTTP ${r.status}: ${r.body.trim()}`);
  const { members } = parseReply(`${j.url}/v1-k3s/etcd/member-add`, memberAddReply, r.body);
  return { state: "existing", members: members.filter((m) => m.peerURL !== me.peerUrl).map((m) => `${m.name}=${m.peerURL}`) };
}

/**
 * Readiness of a joined member: /readyz answers 200 once it votes and the cluster has a quorum. A
 * learner answers /health but not /readyz (it serves no linearizable reads), so while it is one
 * each poll asks the joined server to promote it; etcd refuses (409 here) until it has caught up.
 */
export function joinedEtcdReady(j: JoinedServer, peerUrl: string, local: EtcdEndpoint, log: Logger): () => Promise<boolean> {
  const tls = { ca: local.ca, cert: local.cert, key: local.key };
  const readyz = httpOk(`${local.url}/readyz`, tls);
  const health = httpOk(`${local.url}/health`, tls);
  return async () => {
    if (await readyz()) return true;
    if (!(await health())) return false;
    const r = await call(j, "etcd/member-promote", { peerURL: peerUrl }).catch((e: Error) => ({ status: 0, body: e.message }));
    if (r.status === 200) log.info(`etcd: promoted to a voting member by ${j.url}`);
    else if (r.status !== 409) log.warn(`etcd: promotion through ${j.url}: HTTP ${r.status}: ${r.body.trim()}`);
    return false;
  };
}
