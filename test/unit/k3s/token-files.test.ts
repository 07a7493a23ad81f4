import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, lstatSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { before, describe, it } from "node:test";
import { memoryLogger } from "../../../src/system/log.ts";
import { nodePaths, type NodePaths } from "../../../src/k3s/layout/paths.ts";
import { ensureServerPki } from "../../../src/k3s/pki/server-pki.ts";
import { validateSettings } from "../../../src/k3s/cli/settings.ts";
import { ensureServerTokens, parsePasswd } from "../../../src/k3s/tokens/token-files.ts";
import { tempRoot } from "./helpers.ts";

const settings = validateSettings({ command: "server" });

describe("server token files", () => {
  const base = tempRoot();
  let caHash = "";
  before(async () => {
    const p = nodePaths(settings, base);
    await ensureServerPki(settings, p, { now: new Date(), log: memoryLogger(), hostname: "n" });
    caHash = createHash("sha256").update(readFileSync(p.server.tls.serverCa.crt)).digest("hex");
  });
  const fresh = (): NodePaths => {
    const root = tempRoot();
    cpSync(base, root, { recursive: true });
    return nodePaths(settings, root);
  };

  it("writes a random secret as K10<CA hash>::server:<secret>, node-token and agent-token linking to it", () => {
    const p = fresh();
    const t = ensureServerTokens({}, p, () => "0123456789abcdef0123456789abcdef");
    assert.equal(t.serverToken, `K10${caHash}::server:0123456789abcdef0123456789abcdef`);
    assert.equal(readFileSync(p.server.token, "utf8"), `${t.serverToken}\n`);
    assert.equal(statSync(p.server.token).mode & 0o777, 0o600);
    assert.ok(lstatSync(p.server.nodeToken).isSymbolicLink());
    assert.equal(readlinkSync(p.server.nodeToken), "token");
    assert.equal(readlinkSync(p.server.agentToken), "token");
    assert.deepEqual(
      parsePasswd(readFileSync(p.server.cred.passwd, "utf8")).map((e) => [e.user, e.group]),
      [["node", "k3s:agent"], ["server", "k3s:server"]],
    );
  });

  it("keeps the stored secret on the next start", () => {
    const p = fresh();
    const first = ensureServerTokens({}, p);
    assert.equal(ensureServerTokens({}, p).serverToken, first.serverToken);
  });

  it("uses the --token secret, short or secure, and refuses a different one later", () => {
    const p = fresh();
    assert.equal(ensureServerTokens({ token: "mysecret" }, p).serverToken, `K10${caHash}::server:mysecret`);
    assert.doesNotThrow(() => ensureServerTokens({ token: `K10${caHash}::server:mysecret` }, p));
    assert.throws(() => ensureServerTokens({ token: "other" }, p), /does not match the token this server was created with/);
  });

  it("refuses a secure --token whose CA hash is not this server's CA", () => {
    const p = fresh();
    assert.throws(() => ensureServerTokens({ token: `K10${"0".repeat(64)}::server:x` }, p), /token CA hash does not match/);
  });

  it("writes a separate agent-token for --agent-token", () => {
    const p = fresh();
    const t = ensureServerTokens({ token: "srv", agentToken: "agt" }, p);
    assert.equal(t.agentToken, `K10${caHash}::node:agt`);
    assert.ok(!lstatSync(p.server.agentToken).isSymbolicLink());
    assert.equal(readFileSync(p.server.agentToken, "utf8").trim(), t.agentToken);
    const node = parsePasswd(readFileSync(p.server.cred.passwd, "utf8")).find((e) => e.user === "node");
    assert.equal(node?.password, "agt");
  });
});
