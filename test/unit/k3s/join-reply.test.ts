// What an agent reads from a server's join API comes from the network: a malformed settings reply
// is refused naming the server and the field, and no reply is read past its size limit.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { memoryLogger } from "../../../src/system/log.ts";
import { createFrontServer } from "../../../src/k3s/listener/k3s-port.ts";
import { joinServer } from "../../../src/k3s/agent/join-client.ts";
import { nodePaths } from "../../../src/k3s/layout/paths.ts";
import { ensureServerPki } from "../../../src/k3s/pki/server-pki.ts";
import { validateSettings } from "../../../src/k3s/cli/settings.ts";
import { ensureServerTokens } from "../../../src/k3s/tokens/token-files.ts";
import { tempRoot } from "./helpers.ts";

const settings = validateSettings({ command: "server", nodeIp: ["127.0.0.1"], token: "clustersecret" });
const paths = nodePaths(settings, tempRoot());
const identity = { nodeName: "agent1", nodeIps: ["10.0.0.8"], advertiseIp: "10.0.0.8" };
const servers: Server[] = [];
let token = "";

function listen(s: Server): Promise<string> {
  servers.push(s);
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(`https://127.0.0.1:${(s.address() as AddressInfo).port}`)));
}

function agentPaths(url: string) {
  return nodePaths(validateSettings({ command: "agent", server: url, token }), tempRoot());
}

before(async () => {
  await ensureServerPki(settings, paths, { now: new Date(), log: memoryLogger(), hostname: "srv" });
  token = ensureServerTokens(settings, paths).serverToken;
});
after(() => {
  for (const s of servers) {
    s.close();
    s.closeAllConnections();
  }
});

describe("an agent reading its join replies", () => {
  it("refuses cluster settings of the wrong shape, naming the server URL and the field", async () => {
    // A server of another version, say, whose clusterCidr is a string and clusterDns is missing.
    const odd = { ...settings, clusterCidr: "10.42.0.0/16", clusterDns: undefined } as unknown as typeof settings;
    const url = await listen(createFrontServer({ paths, config: odd, now: () => new Date(), apiServerPort: 1, log: memoryLogger() }));
    await assert.rejects(joinServer({ server: url, token, paths: agentPaths(url), identity, password: "pw" }), (e: Error) => {
      assert.match(e.message, new RegExp(`${url}/v1-k3s/config: unexpected reply: clusterCidr: .*; clusterDns: `));
      return true;
    });
  });

  it("stops reading a reply larger than its limit", async () => {
    const tls = paths.server.tls;
    const ca = readFileSync(tls.serverCa.crt, "utf8");
    const huge = createHttpsServer({ cert: readFileSync(tls.servingKubeApiserver.crt), key: readFileSync(tls.servingKubeApiserver.key) }, (req, res) => {
      if (req.url === "/cacerts") return void res.end(ca);
      // No content-length: the limit must hold while the body streams in.
      res.writeHead(200);
      const chunk = Buffer.alloc(1024 * 1024, 65);
      for (let i = 0; i < 16; i++) res.write(chunk);
      res.end();
    });
    const url = await listen(huge);
    await assert.rejects(joinServer({ server: url, token, paths: agentPaths(url), identity, password: "pw" }), /v1-k3s\/server-ca\.crt: is larger than the limit of 1 MiB/);
  });
});
