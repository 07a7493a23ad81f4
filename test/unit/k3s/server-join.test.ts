// A server joining another's embedded etcd: the join API's server-only endpoints (bootstrap data,
// etcd member add and promote) on the k3s port, in front of a stand-in for etcd's JSON gateway (an
// HTTPS server on loopback that checks the etcd client certificate), and the joining side.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { memoryLogger } from "../../../src/system/log.ts";
import type { EtcdEndpoint } from "../../../src/k3s/cluster/etcd-client.ts";
import { createFrontServer } from "../../../src/k3s/listener/k3s-port.ts";
import { JoinError } from "../../../src/k3s/agent/join-client.ts";
import { nodePaths, type NodePaths } from "../../../src/k3s/layout/paths.ts";
import { ensureServerPki } from "../../../src/k3s/pki/server-pki.ts";
import { checkClusterSettings, joinedEtcdReady, joinEtcdCluster, takeClusterBootstrap, type JoinedServer } from "../../../src/k3s/cluster/server-join.ts";
import { validateSettings } from "../../../src/k3s/cli/settings.ts";
import { ensureServerTokens } from "../../../src/k3s/tokens/token-files.ts";
import { tempRoot } from "./helpers.ts";

const settings = validateSettings({ command: "server", nodeIp: ["127.0.0.1"], token: "clustersecret", agentToken: "agentsecret" });
const paths: NodePaths = nodePaths(settings, tempRoot());
const servers: Server[] = [];
let frontUrl = "";
let bareFrontUrl = "";
let serverToken = "";
let agentToken = "";
let etcdEp: EtcdEndpoint;

/** The stand-in etcd: members, and how many promotions it still refuses as "not in sync". */
const etcd = {
  members: [{ ID: "101", name: "srv1", peerURLs: ["https://10.0.0.1:2380"], clientURLs: ["https://10.0.0.1:2379"], isLearner: false }] as { ID: string; name?: string; peerURLs: string[]; clientURLs?: string[]; isLearner: boolean }[],
  adds: [] as unknown[],
  refusePromotions: 1,
};

function listen(s: Server): Promise<number> {
  servers.push(s);
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)));
}

function standInEtcd(): Server {
  const tls = paths.server.tls.etcd;
  return createServer({ cert: readFileSync(tls.serverClient.crt), key: readFileSync(tls.serverClient.key), ca: readFileSync(tls.serverCa.crt), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c));
    req.on("end", () => {
      const body = JSON.parse(text || "{}") as { peerURLs?: string[]; isLearner?: boolean; ID?: string };
      const reply = (status: number, v: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(v));
      const learnerAt = (url: string) => etcd.members.find((m) => m.peerURLs.includes(url))?.isLearner;
      switch (req.url) {
        case "/v3/cluster/member/list":
          return reply(200, { members: etcd.members });
        case "/v3/cluster/member/add":
          etcd.adds.push(body);
          etcd.members.push({ ID: String(200 + etcd.adds.length), peerURLs: body.peerURLs ?? [], isLearner: body.isLearner === true });
          return reply(200, { members: etcd.members });
        case "/v3/cluster/member/promote": {
          const m = etcd.members.find((x) => x.ID === body.ID);
          if (etcd.refusePromotions-- > 0) return reply(400, { code: 9, message: "etcdserver: can only promote a learner member which is in sync with leader" });
          if (m) m.isLearner = false;
          return reply(200, { members: etcd.members });
        }
        case "/health":
          return reply(200, { health: "true" });
        case "/readyz":
          // The joiner's own member: ready once it votes.
          return learnerAt("https://10.0.0.2:2380") === false ? res.writeHead(200).end("ok") : res.writeHead(503).end("not ready");
        default:
          return reply(404, {});
      }
    });
  });
}

function call(base: string, path: string, auth: string, json?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: json === undefined ? "GET" : "POST", ca: readFileSync(paths.server.tls.serverCa.crt), headers: { authorization: `Basic ${Buffer.from(auth).toString("base64")}` } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(json === undefined ? undefined : JSON.stringify(json));
  });
}

before(async () => {
  await ensureServerPki(settings, paths, { now: new Date(), log: memoryLogger(), hostname: "srv1" });
  ({ serverToken, agentToken } = ensureServerTokens(settings, paths));
  const tls = paths.server.tls.etcd;
  etcdEp = { url: `https://127.0.0.1:${await listen(standInEtcd())}`, ca: tls.serverCa.crt, cert: tls.client.crt, key: tls.client.key };
  const front = (etcdOf?: EtcdEndpoint) => createFrontServer({ paths, config: settings, now: () => new Date(), apiServerPort: 1, log: memoryLogger(), etcd: etcdOf });
  frontUrl = `https://127.0.0.1:${await listen(front(etcdEp))}`;
  bareFrontUrl = `https://127.0.0.1:${await listen(front())}`;
});

after(() => {
  for (const s of servers) {
    s.close();
    s.closeAllConnections();
  }
});

describe("the join API for servers", () => {
  it("gives the cluster's CAs, service key and passwd for the server token only", async () => {
    assert.equal((await call(frontUrl, "/v1-k3s/server-bootstrap", "node:agentsecret")).status, 403);
    const r = await call(frontUrl, "/v1-k3s/server-bootstrap", "server:clustersecret");
    assert.equal(r.status, 200);
    const files = Object.keys((JSON.parse(r.body) as { files: Record<string, string> }).files).sort();
    assert.deepEqual(files, [
      "cred/passwd",
      "tls/client-ca.crt", "tls/client-ca.key",
      "tls/etcd/peer-ca.crt", "tls/etcd/peer-ca.key", "tls/etcd/server-ca.crt", "tls/etcd/server-ca.key",
      "tls/request-header-ca.crt", "tls/request-header-ca.key",
      "tls/server-ca.crt", "tls/server-ca.key", "tls/service.key",
    ]);
  });

  it("takes etcd membership calls as POSTs only, and says so when the server runs no embedded etcd", async () => {
    assert.equal((await call(frontUrl, "/v1-k3s/etcd/member-add", "server:clustersecret")).status, 405);
    const r = await call(bareFrontUrl, "/v1-k3s/etcd/member-add", "server:clustersecret", { name: "srv2", peerURL: "https://10.0.0.2:2380" });
    assert.equal(r.status, 409);
    assert.match(r.body, /started without --cluster-init/);
    assert.equal((await call(frontUrl, "/v1-k3s/etcd/member-add", "server:clustersecret", { name: "srv2", peerURL: "http://10.0.0.2:2380" })).status, 400);
  });

  it("refuses a member name that etcd already has at another address", async () => {
    const r = await call(frontUrl, "/v1-k3s/etcd/member-add", "server:clustersecret", { name: "srv1", peerURL: "https://10.0.0.9:2380" });
    assert.equal(r.status, 409);
    assert.match(r.body, /already exists at https:\/\/10\.0\.0\.1:2380/);
  });
});

describe("a server joining", () => {
  const joinerPaths = nodePaths(settings, tempRoot());
  let joined: JoinedServer;

  it("refuses an agent token: a server joins with the server token", async () => {
    await assert.rejects(takeClusterBootstrap({ server: frontUrl, token: agentToken, paths: joinerPaths, log: memoryLogger() }), /joins with the server token/);
  });

  it("takes the cluster's CAs, signs its own certificates with them and keeps the cluster's token", async () => {
    joined = await takeClusterBootstrap({ server: frontUrl, token: serverToken, paths: joinerPaths, log: memoryLogger() });
    await ensureServerPki(settings, joinerPaths, { now: new Date(), log: memoryLogger(), hostname: "srv2" });
    assert.equal(readFileSync(joinerPaths.server.tls.serverCa.crt, "utf8"), readFileSync(paths.server.tls.serverCa.crt, "utf8"));
    assert.equal(ensureServerTokens({ token: serverToken }, joinerPaths).serverToken, serverToken);
    const peerCa = new X509Certificate(readFileSync(paths.server.tls.etcd.peerCa.crt));
    const mine = new X509Certificate(readFileSync(joinerPaths.server.tls.etcd.peerServerClient.crt));
    assert.ok(mine.verify(peerCa.publicKey), "its etcd peer certificate is signed by the cluster's peer CA");
    assert.notEqual(mine.fingerprint256, new X509Certificate(readFileSync(paths.server.tls.etcd.peerServerClient.crt)).fingerprint256);
  });

  it("restarts from its own copy without asking the server it joined, which may be down", async () => {
    const again = await takeClusterBootstrap({ server: "https://127.0.0.1:1", token: serverToken, paths: joinerPaths, log: memoryLogger() });
    assert.equal(again.first, false);
    assert.equal(again.ca, readFileSync(paths.server.tls.serverCa.crt, "utf8"));
  });

  it("refuses a data dir that holds another cluster's CA", async () => {
    const other = nodePaths(settings, tempRoot());
    await ensureServerPki(settings, other, { now: new Date(), log: memoryLogger(), hostname: "x" });
    await assert.rejects(takeClusterBootstrap({ server: frontUrl, token: serverToken, paths: other, log: memoryLogger() }), /another cluster's CA/);
  });

  it("refuses cluster settings that differ from the cluster's", async () => {
    await checkClusterSettings(joined, settings);
    const other = validateSettings({ command: "server", clusterCidr: ["10.99.0.0/16"] });
    await assert.rejects(checkClusterSettings(joined, other), (e: Error) => e instanceof JoinError && /clusterCidr \["10\.99\.0\.0\/16"\] here, \["10\.42\.0\.0\/16"\] there/.test(e.message));
  });

  it("is added to etcd once, as a learner, and starts with the other members in its initial cluster", async () => {
    const etcdDir = join(tempRoot(), "etcd");
    const me = { name: "srv2", peerUrl: "https://10.0.0.2:2380", etcdDir };
    assert.deepEqual(await joinEtcdCluster(joined, me), { state: "existing", members: ["srv1=https://10.0.0.1:2380"] });
    assert.deepEqual(etcd.adds, [{ peerURLs: ["https://10.0.0.2:2380"], isLearner: true }]);
    // Asked again before its etcd ever ran: no second member.
    assert.deepEqual(await joinEtcdCluster(joined, me), { state: "existing", members: ["srv1=https://10.0.0.1:2380"] });
    assert.equal(etcd.adds.length, 1);
    // With data of its own, etcd knows its cluster: nothing is asked.
    mkdirSync(join(etcdDir, "member"), { recursive: true });
    assert.deepEqual(await joinEtcdCluster(joined, me), { state: "existing", members: [] });
    assert.equal(etcd.adds.length, 1);
  });

  it("is ready once promoted: each poll while a learner asks the joined server, which retries until etcd agrees", async () => {
    const log = memoryLogger();
    const ready = joinedEtcdReady(joined, "https://10.0.0.2:2380", etcdEp, log);
    assert.equal(await ready(), false, "etcd refused the first promotion: not yet in sync");
    assert.equal(etcd.members.find((m) => m.ID === "201")?.isLearner, true);
    assert.equal(await ready(), false, "promoted by this poll; /readyz is asked first, on the next");
    assert.equal(etcd.members.find((m) => m.ID === "201")?.isLearner, false);
    assert.equal(await ready(), true);
    assert.equal((await call(frontUrl, "/v1-k3s/etcd/member-promote", "server:clustersecret", { peerURL: "https://10.0.0.2:2380" })).status, 200, "promoting a voter again is no error");
  });
});
