import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { bootstrapSecret, createBootstrapToken, generateBootstrapToken, listBootstrapTokens, parseDuration } from "../../../src/k3s/tokens/bootstrap-token.ts";

const NOW = new Date("2026-06-01T00:00:00Z");
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("k3s token create and list", () => {
  it("generates kubeadm-style bootstrap tokens", () => {
    for (let i = 0; i < 20; i++) assert.match(generateBootstrapToken(), /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  });

  it("reads Go-style durations", () => {
    assert.equal(parseDuration("24h"), 86400);
    assert.equal(parseDuration("1h30m"), 5400);
    assert.equal(parseDuration("0"), 0);
    assert.throws(() => parseDuration("1d"), /invalid duration/);
  });

  it("builds the bootstrap token Secret with expiry, usages and groups", () => {
    const { manifest } = bootstrapSecret({ token: "abcdef.0123456789abcdef", ttlSeconds: 3600, description: "ci", groups: ["system:bootstrappers:k3s:default-node-token"], usages: ["signing", "authentication"], now: NOW });
    assert.deepEqual(manifest, {
      apiVersion: "v1",
      kind: "Secret",
      type: "bootstrap.kubernetes.io/token",
      metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system" },
      stringData: {
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        description: "ci",
        expiration: "2026-06-01T01:00:00Z",
        "usage-bootstrap-signing": "true",
        "usage-bootstrap-authentication": "true",
        "auth-extra-groups": "system:bootstrappers:k3s:default-node-token",
      },
    });
    assert.throws(() => bootstrapSecret({ token: "bad", ttlSeconds: 0, groups: [], usages: [], now: NOW }), /invalid bootstrap token/);
    assert.throws(() => bootstrapSecret({ ttlSeconds: 0, groups: ["admins"], usages: [], now: NOW }), /system:bootstrappers:/);
  });

  it("creates the Secret with kubectl and prints the secure token", async () => {
    const runner = new RecordingRunner();
    const out = await createBootstrapToken({ runner, kubectl: "/k/kubectl", kubeconfig: "/a.kubeconfig" }, CA, {
      token: "abcdef.0123456789abcdef", ttlSeconds: 0, groups: [], usages: ["authentication"], now: NOW,
    });
    assert.equal(out, `K10${createHash("sha256").update(CA).digest("hex")}::abcdef.0123456789abcdef`);
    assert.deepEqual(runner.calls[0]!.argv, ["/k/kubectl", "--kubeconfig", "/a.kubeconfig", "create", "-f", "-"]);
    assert.equal(JSON.parse(String(runner.calls[0]!.opts.input)).metadata.name, "bootstrap-token-abcdef");
  });

  it("lists tokens without their secrets", async () => {
    const items = [
      { data: { "token-id": b64("abcdef"), "token-secret": b64("0123456789abcdef"), expiration: b64("2026-06-01T02:00:00Z"), "usage-bootstrap-authentication": b64("true"), "auth-extra-groups": b64("system:bootstrappers:k3s:default-node-token") } },
      { data: { "token-id": b64("zzzzzz"), "token-secret": b64("x"), description: b64("forever") } },
    ];
    const runner = new RecordingRunner(() => ({ stdout: JSON.stringify({ items }) }));
    const text = await listBootstrapTokens({ runner, kubectl: "kubectl", kubeconfig: "k" }, NOW);
    const lines = text.trimEnd().split("\n");
    assert.match(lines[0]!, /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/);
    assert.match(lines[1]!, /^abcdef\.<secret>\s+2h\s+2026-06-01T02:00:00Z\s+authentication\s+<none>\s+system:bootstrappers:k3s:default-node-token$/);
    assert.match(lines[2]!, /^zzzzzz\.<secret>\s+<forever>\s+<never>\s+<none>\s+forever/);
    assert.ok(!text.includes("0123456789abcdef"));
    assert.ok(runner.calls[0]!.argv.includes("type=bootstrap.kubernetes.io/token"));
  });
});
