// The k3s port: join API and the pass-through, with a stand-in apiserver (a small HTTPS server on
// loopback) behind it, and the join client against it.
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { connect } from "node:tls";
import { after, before, describe, it } from "node:test";
import { memoryLogger } from "../../../src/system/log.ts";
import { createFrontServer } from "../../../src/k3s/listener/k3s-port.ts";
import { joinServer, JoinError } from "../../../src/k3s/agent/join-client.ts";
import { nodePaths, type NodePaths } from "../../../src/k3s/layout/paths.ts";
import { ensureServerPki } from "../../../src/k3s/pki/server-pki.ts";
import { validateSettings } from "../../../src/k3s/cli/settings.ts";
import { ensureServerTokens } from "../../../src/k3s/tokens/token-files.ts";
import { tempRoot } from "./helpers.ts";

const settings = validateSettings({ command: "server", nodeIp: ["127.0.0.1"], token: "clustersecret", agentToken: "agentsecret" });
const root = tempRoot();
const paths: NodePaths = nodePaths(settings, root);
let front: Server;
let apiserver: Server;
let frontUrl = "";
let serverToken = "";

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)));
}

function get(path: string, o: { cert?: string; key?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${frontUrl}${path}`, { ca: readFileSync(paths.server.tls.serverCa.crt), cert: o.cert, key: o.key, headers: o.headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` });

before(async () => {
  await ensureServerPki(settings, paths, { now: new Date(), log: memoryLogger(), hostname: "srv" });
  serverToken = ensureServerTokens(settings, paths).serverToken;
  const tls = paths.server.tls;
  // The stand-in apiserver: trusts only the request-header CA, echoes what it was told.
  apiserver = createHttpsServer({ cert: readFileSync(tls.servingKubeApiserver.crt), key: readFileSync(tls.servingKubeApiserver.key), ca: readFileSync(tls.requestHeaderCa.crt), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as import("node:tls").TLSSocket).getPeerCertificate();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ path: req.url, proxyCert: peer.subject?.CN, user: req.headers["x-remote-user"] ?? null, groups: req.headers["x-remote-group"] ?? null, authorization: req.headers.authorization ?? null }));
  });
  apiserver.on("upgrade", (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Seen-User: ${req.headers["x-remote-user"] ?? "none"}\r\n\r\n`);
    socket.on("data", (d: Buffer) => socket.write(`echo:${d.toString()}`));
  });
  const apiPort = await listen(apiserver);
  front = createFrontServer({ paths, config: settings, now: () => new Date(), apiServerPort: apiPort, log: memoryLogger() });
  frontUrl = `https://127.0.0.1:${await listen(front)}`;
});

after(() => {
  front.close();
  apiserver.close();
  front.closeAllConnections();
  apiserver.closeAllConnections();
});

describe("the k3s port", () => {
  it("serves the server CA at /cacerts to anyone, and /ping", async () => {
    assert.deepEqual(await get("/cacerts"), { status: 200, body: readFileSync(paths.server.tls.serverCa.crt, "utf8") });
    assert.equal((await get("/ping")).body, "pong");
  });

  it("passes a client certificate's identity to the apiserver as request headers, over the auth-proxy certificate", async () => {
    const tls = paths.server.tls;
    const r = await get("/api/v1/nodes?watch=1", { cert: readFileSync(tls.clientAdmin.crt, "utf8"), key: readFileSync(tls.clientAdmin.key, "utf8") });
    assert.deepEqual(JSON.parse(r.body), { path: "/api/v1/nodes?watch=1", proxyCert: "system:auth-proxy", user: "system:admin", groups: "system:masters", authorization: null });
  });

  it("drops a client's own X-Remote-User and passes bearer tokens through", async () => {
    const r = await get("/api", { headers: { "X-Remote-User": "system:admin", "X-Remote-Group": "system:masters", authorization: "Bearer abc" } });
    assert.deepEqual(JSON.parse(r.body), { path: "/api", proxyCert: "system:auth-proxy", user: null, groups: null, authorization: "Bearer abc" });
  });

  it("splices upgraded connections (exec, port-forward) to the apiserver", async () => {
    const tls = paths.server.tls;
    const port = Number(new URL(frontUrl).port);
    const text = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port, ca: readFileSync(tls.serverCa.crt), cert: readFileSync(tls.clientAdmin.crt), key: readFileSync(tls.clientAdmin.key), servername: "localhost" }, () => {
        s.write("GET /api/v1/namespaces/default/pods/p/exec HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
      });
      let got = "";
      s.on("data", (d: Buffer) => {
        got += d.toString();
        if (got.includes("\r\n\r\n") && !got.includes("echo:")) s.write("hi");
        if (got.includes("echo:hi")) {
          s.destroy();
          resolve(got);
        }
      });
      s.on("error", reject);
    });
    assert.match(text, /^HTTP\/1\.1 101 Switching Protocols/);
    assert.match(text, /X-Seen-User: system:admin/);
    assert.match(text, /echo:hi$/);
  });

  it("refuses the join API without the token's credentials", async () => {
    assert.equal((await get("/v1-k3s/client-ca.crt")).status, 401);
    assert.equal((await get("/v1-k3s/client-ca.crt", { headers: basic("node", "wrong") })).status, 401);
    assert.equal((await get("/v1-k3s/client-ca.crt", { headers: basic("node", "clustersecret") })).status, 401);
    assert.equal((await get("/v1-k3s/client-ca.crt", { headers: basic("node", "agentsecret") })).status, 200);
    assert.equal((await get("/v1-k3s/client-ca.crt", { headers: basic("server", "clustersecret") })).status, 200);
  });

  it("signs a kubelet serving certificate for the node's name and IPs, and binds the name to its password", async () => {
    const headers = { ...basic("node", "agentsecret"), "k3s-Node-Name": "agent1", "k3s-Node-Password": "p1", "k3s-Node-IP": "10.0.0.7" };
    const r = await get("/v1-k3s/serving-kubelet.crt", { headers });
    assert.equal(r.status, 200, r.body);
    const cert = new X509Certificate(r.body.split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n");
    assert.equal(cert.subject, "CN=agent1");
    assert.match(cert.subjectAltName ?? "", /IP Address:10\.0\.0\.7/);
    assert.ok(cert.checkIssued(new X509Certificate(readFileSync(paths.server.tls.serverCa.crt))));
    const keyPem = r.body.match(/-----BEGIN EC PRIVATE KEY-----[\s\S]+-----END EC PRIVATE KEY-----\n/)![0];
    assert.equal(createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "pem" }), cert.publicKey.export({ type: "spki", format: "pem" }));
    const other = await get("/v1-k3s/client-kubelet.crt", { headers: { ...headers, "k3s-Node-Password": "p2" } });
    assert.equal(other.status, 403);
    assert.match(other.body, /registered with another password/);
  });

  it("answers 502 with a reason when the apiserver is down", async () => {
    const down = createFrontServer({ paths, config: settings, now: () => new Date(), apiServerPort: 1, log: memoryLogger() });
    const port = await listen(down);
    const saved = frontUrl;
    frontUrl = `https://127.0.0.1:${port}`;
    try {
      const r = await get("/api");
      assert.equal(r.status, 502);
      assert.match(r.body, /apiserver is not reachable/);
    } finally {
      frontUrl = saved;
      down.close();
    }
  });
});

describe("an agent joining", () => {
  const identity = { nodeName: "agent2", nodeIps: ["10.0.0.8"], advertiseIp: "10.0.0.8" };

  it("joins with the agent token too, and never receives the cluster's secrets", async () => {
    const agentToken = readFileSync(paths.server.agentToken, "utf8").trim();
    assert.match(agentToken, /::node:agentsecret$/);
    const ap = nodePaths(validateSettings({ command: "agent", server: frontUrl, token: agentToken }), tempRoot());
    const config = await joinServer({ server: frontUrl, token: agentToken, paths: ap, identity: { ...identity, nodeName: "agent3" }, password: "pw3" });
    assert.ok(!JSON.stringify(config).includes("secret"));
  });

  it("checks the CA hash, fetches its certificates and writes its kubeconfigs", async () => {
    const aroot = tempRoot();
    const ap = nodePaths(validateSettings({ command: "agent", server: frontUrl, token: serverToken }), aroot);
    const config = await joinServer({ server: frontUrl, token: serverToken, paths: ap, identity, password: "pw" });
    assert.deepEqual(config, { clusterCidr: ["10.42.0.0/16"], serviceCidr: ["10.43.0.0/16"], clusterDns: ["10.43.0.10"], clusterDomain: "cluster.local", flannelBackend: "vxlan", serviceNodePortRange: "30000-32767" });
    assert.equal(readFileSync(ap.agent.serverCa, "utf8"), readFileSync(paths.server.tls.serverCa.crt, "utf8"));
    const kubelet = new X509Certificate(readFileSync(ap.agent.clientKubelet.crt));
    assert.equal(kubelet.subject, "O=system:nodes\nCN=system:node:agent2");
    assert.match(readFileSync(ap.agent.clientKubelet.key, "utf8"), /EC PRIVATE KEY/);
    assert.match(readFileSync(ap.agent.kubeletKubeconfig, "utf8"), new RegExp(`server: ${frontUrl}`));
  });

  it("refuses a server whose CA does not match the token, before sending credentials", async () => {
    const bad = `K10${"0".repeat(64)}::server:clustersecret`;
    const ap = nodePaths(validateSettings({ command: "agent", server: frontUrl, token: bad }), tempRoot());
    await assert.rejects(joinServer({ server: frontUrl, token: bad, paths: ap, identity, password: "pw" }), (e: unknown) => {
      assert.ok(e instanceof JoinError);
      assert.match(e.message, /refusing to join .*token CA hash does not match/);
      return true;
    });
  });

  it("reports a wrong token plainly", async () => {
    const wrong = serverToken.replace(/clustersecret$/, "guess");
    const ap = nodePaths(validateSettings({ command: "agent", server: frontUrl, token: wrong }), tempRoot());
    await assert.rejects(joinServer({ server: frontUrl, token: wrong, paths: ap, identity, password: "pw" }), /refused the token \(HTTP 401\)/);
  });
});
