// The few etcd cluster calls k3s makes (member list, add, promote), through etcd's JSON gateway
// (/v3/cluster/member/*) on the local member's client port with the server's etcd client
// certificate. etcd's gateway writes 64-bit IDs as decimal strings; they stay strings here.
import { readFileSync } from "node:fs";
import { request } from "node:https";

export interface EtcdEndpoint {
  /** e.g. https://127.0.0.1:2379 */
  url: string;
  ca: string;
  cert: string;
  key: string;
}

export interface EtcdMember {
  ID: string;
  /** Empty until the member has started (etcd learns names from the members themselves). */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export class EtcdError extends Error {
  override name = "EtcdError";
  constructor(
    message: string,
    /** etcd's gRPC status code (9 = FAILED_PRECONDITION, e.g. "learner not in sync"), when it gave one. */
    readonly code?: number,
  ) {
    super(message);
  }
}

function post(ep: EtcdEndpoint, path: string, body: unknown, timeoutMs = 5000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${ep.url}${path}`,
      { method: "POST", ca: readFileSync(ep.ca), cert: readFileSync(ep.cert), key: readFileSync(ep.key), headers: { "content-type": "application/json" }, timeout: timeoutMs },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c));
        res.on("end", () => {
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            return reject(new EtcdError(`etcd ${path}: HTTP ${res.statusCode}: ${text.trim().slice(0, 200)}`));
          }
          if (res.statusCode !== 200) return reject(new EtcdError(`etcd ${path}: ${String(json.message ?? json.error ?? text)}`, typeof json.code === "number" ? json.code : undefined));
          resolve(json);
        });
      },
    );
    req.on("timeout", () => req.destroy(new EtcdError(`etcd ${path}: timed out`)));
    req.on("error", (e) => reject(e instanceof EtcdError ? e : new EtcdError(`etcd ${path}: ${e.message}`)));
    req.end(JSON.stringify(body));
  });
}

function toMembers(json: Record<string, unknown>): EtcdMember[] {
  const list = Array.isArray(json.members) ? (json.members as Record<string, unknown>[]) : [];
  return list.map((m) => ({
    ID: String(m.ID ?? ""),
    name: String(m.name ?? ""),
    peerURLs: (m.peerURLs as string[] | undefined) ?? [],
    clientURLs: (m.clientURLs as string[] | undefined) ?? [],
    isLearner: m.isLearner === true,
  }));
}

export async function listMembers(ep: EtcdEndpoint): Promise<EtcdMember[]> {
  return toMembers(await post(ep, "/v3/cluster/member/list", {}));
}

/** Adds a member (as a learner: it does not count toward quorum until promoted); returns all members. */
export async function addMember(ep: EtcdEndpoint, peerUrl: string, learner = true): Promise<EtcdMember[]> {
  return toMembers(await post(ep, "/v3/cluster/member/add", { peerURLs: [peerUrl], isLearner: learner }));
}

/** Promotes a learner to a voting member; etcd refuses (code 9) until the learner has caught up. */
export async function promoteMember(ep: EtcdEndpoint, id: string): Promise<void> {
  await post(ep, "/v3/cluster/member/promote", { ID: id });
}
