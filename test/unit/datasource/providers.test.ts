// Each provider against a server that answers as that provider's metadata service does: its
// paths, the headers it demands, the formats of hostname, keys and userdata, and its 404s.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { aws } from "../../../src/datasource/aws.ts";
import { gcp, gcpKeyOf } from "../../../src/datasource/gcp.ts";
import { hetzner } from "../../../src/datasource/hetzner.ts";
import { openstack } from "../../../src/datasource/openstack.ts";
import { packet } from "../../../src/datasource/packet.ts";
import { scaleway } from "../../../src/datasource/scaleway.ts";
import type { Found } from "../../../src/datasource/types.ts";
import { vultr } from "../../../src/datasource/vultr.ts";
import { probeContext, serveMetadata, type Answer, type Route } from "./metadata-server.ts";

const KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA a@example";
const KEY_B = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 b@example";
const USERDATA = "#cloud-config\nk3os:\n  token: secret\n";

function userdataOf(found: Found | "absent"): string | undefined {
  assert.notEqual(found, "absent");
  return (found as Found).userdata?.toString("utf8");
}

// IMDSv2-required mode: every GET without the session token is refused with 401.
function awsRoutes(opts: { tokens: boolean; userdata?: boolean; refusal?: number }): Record<string, Answer | Route> {
  const TOKEN = "AQAEAFakeSessionToken==";
  const guard = (answer: Answer): Route => (req: IncomingMessage) =>
    !opts.tokens || req.headers["x-aws-ec2-metadata-token"] === TOKEN ? answer : { status: 401, body: "" };
  return {
    "PUT /latest/api/token": (req) =>
      !opts.tokens ? { status: opts.refusal ?? 403, body: "" } : req.headers["x-aws-ec2-metadata-token-ttl-seconds"] ? { body: TOKEN } : { status: 400 },
    "GET /latest/meta-data/instance-id": guard({ body: "i-0123456789abcdef0" }),
    "GET /latest/meta-data/local-hostname": guard({ body: "ip-10-0-0-12.us-west-2.compute.internal" }),
    "GET /latest/meta-data/hostname": guard({ body: "ip-10-0-0-12.us-west-2.compute.internal" }),
    "GET /latest/meta-data/public-keys/": guard({ body: "0=my-key\n1=other-key" }),
    "GET /latest/meta-data/public-keys/0/openssh-key": guard({ body: `${KEY_A}\n` }),
    "GET /latest/meta-data/public-keys/1/openssh-key": guard({ body: `${KEY_B}\n` }),
    ...(opts.userdata === false ? {} : { "GET /latest/user-data": guard({ body: USERDATA }) }),
  };
}

test("aws: IMDSv2 token, then hostname, every public key and the userdata, all sent with the token", async () => {
  const server = await serveMetadata(awsRoutes({ tokens: true }));
  const found = await aws.probe(probeContext(server.url));
  assert.equal(userdataOf(found), USERDATA);
  assert.deepEqual({ ...(found as Found), userdata: undefined }, { hostname: "ip-10-0-0-12.us-west-2.compute.internal", sshKeys: [KEY_A, KEY_B], userdata: undefined });
  assert.equal(server.requests[0]?.method, "PUT");
  assert.ok(server.requests.slice(1).every((r) => r.headers["x-aws-ec2-metadata-token"] === "AQAEAFakeSessionToken=="));
});

for (const refusal of [401, 403, 405, 503]) {
  test(`aws: a refused token (${refusal}) falls back to IMDSv1, asking without a token`, async () => {
    const server = await serveMetadata(awsRoutes({ tokens: false, refusal }));
    const found = await aws.probe(probeContext(server.url));
    assert.equal(userdataOf(found), USERDATA);
    assert.equal((found as Found).sshKeys.length, 2);
    const puts = server.requests.filter((r) => r.method === "PUT").length;
    assert.equal(puts, refusal >= 500 ? 3 : 1, "only 5xx refusals are retried");
    assert.ok(server.requests.filter((r) => r.method === "GET").every((r) => r.headers["x-aws-ec2-metadata-token"] === undefined));
  });
}

test("aws: no user-data (404) is metadata only", async () => {
  const server = await serveMetadata(awsRoutes({ tokens: true, userdata: false }));
  const found = await aws.probe(probeContext(server.url));
  assert.equal(userdataOf(found), undefined);
  assert.equal((found as Found).hostname, "ip-10-0-0-12.us-west-2.compute.internal");
});

test("gcp: every request carries Metadata-Flavor: Google; user:key lines lose the user", async () => {
  const flavored = (answer: Answer): Route => (req) => (req.headers["metadata-flavor"] === "Google" ? answer : { status: 403, body: "Missing Metadata-Flavor" });
  const base = "/computeMetadata/v1";
  const server = await serveMetadata({
    [`${base}/instance/hostname`]: flavored({ body: "k3os-1.c.my-project.internal" }),
    [`${base}/instance/attributes/ssh-keys`]: flavored({ body: `rancher:${KEY_A}\n` }),
    [`${base}/project/attributes/ssh-keys`]: flavored({ body: `alice:${KEY_B}\nrancher:${KEY_A}` }),
    [`${base}/instance/attributes/user-data`]: flavored({ body: USERDATA }),
  });
  const found = await gcp.probe(probeContext(server.url));
  assert.equal(userdataOf(found), USERDATA);
  assert.deepEqual((found as Found).sshKeys, [KEY_A, KEY_B]);
  assert.equal((found as Found).hostname, "k3os-1.c.my-project.internal");
  assert.ok(server.requests.every((r) => r.headers["metadata-flavor"] === "Google"));
});

test("gcp: block-project-ssh-keys=true leaves the project's keys out", async () => {
  const base = "/computeMetadata/v1";
  const server = await serveMetadata({
    [`${base}/instance/hostname`]: { body: "k3os-1" },
    [`${base}/instance/attributes/block-project-ssh-keys`]: { body: "TRUE" },
    [`${base}/instance/attributes/ssh-keys`]: { body: `rancher:${KEY_A}` },
    [`${base}/project/attributes/ssh-keys`]: { body: `alice:${KEY_B}` },
  });
  const found = await gcp.probe(probeContext(server.url));
  assert.deepEqual((found as Found).sshKeys, [KEY_A]);
  assert.equal(userdataOf(found), undefined);
  assert.ok(!server.paths().some((p) => p.includes("project/")));
});

test("gcp key lines: the user prefix goes, a key without one stays", () => {
  assert.equal(gcpKeyOf(`rancher:${KEY_A}`), KEY_A);
  assert.equal(gcpKeyOf(KEY_A), KEY_A);
});

test("openstack: meta_data.json hostname and keys (both shapes, once each), user_data", async () => {
  const server = await serveMetadata({
    "/openstack/latest/meta_data.json": {
      body: JSON.stringify({ uuid: "83679162-1378-4288-a2d4-70e13ec132aa", hostname: "os-1.novalocal", name: "os-1", public_keys: { mykey: `${KEY_A}\n` }, keys: [{ name: "mykey", type: "ssh", data: `${KEY_A}\n` }, { name: "b", type: "ssh", data: KEY_B }] }),
      headers: { "content-type": "application/json" },
    },
    "/openstack/latest/user_data": { body: USERDATA },
  });
  const found = await openstack.probe(probeContext(server.url));
  assert.equal(userdataOf(found), USERDATA);
  assert.deepEqual({ hostname: (found as Found).hostname, keys: (found as Found).sshKeys }, { hostname: "os-1.novalocal", keys: [KEY_A, KEY_B] });
});

test("openstack: meta_data.json that is not JSON fails naming the URL", async () => {
  const server = await serveMetadata({ "/openstack/latest/meta_data.json": { body: "<html>" } });
  await assert.rejects(openstack.probe(probeContext(server.url)), new RegExp(`^Error: ${server.url}/openstack/latest/meta_data.json: not valid JSON`));
});

test("packet: hostname and ssh_keys from /metadata; #!ipxe userdata booted the machine and is not config", async () => {
  const meta = { body: JSON.stringify({ id: "a1b2", hostname: "pkt-1", ssh_keys: [KEY_A, KEY_B], plan: "c3.small.x86" }) };
  const ipxe = await serveMetadata({ "/metadata": meta, "/userdata": { body: "#!ipxe\nchain http://boot.example/x.ipxe\n" } });
  const found = await packet.probe(probeContext(ipxe.url));
  assert.deepEqual(found, { hostname: "pkt-1", sshKeys: [KEY_A, KEY_B] });
  const config = await serveMetadata({ "/metadata": meta, "/userdata": { body: USERDATA } });
  assert.equal(userdataOf(await packet.probe(probeContext(config.url))), USERDATA);
});

test("scaleway: conf?format=json for metadata; userdata only to a source port below 1024", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("binding a source port below 1024 needs root");
  const server = await serveMetadata({
    "/conf?format=json": { body: JSON.stringify({ id: "x", hostname: "scw-1", ssh_public_keys: [{ key: KEY_A, fingerprint: "256 MD5:aa" }] }) },
    "/user_data/cloud-init": (req) => ((req.socket.remotePort ?? 65535) < 1024 ? { body: USERDATA } : { status: 403, body: "privileged port required" }),
  });
  const found = await scaleway.probe(probeContext(server.url));
  assert.equal(userdataOf(found), USERDATA);
  assert.deepEqual((found as Found).sshKeys, [KEY_A]);
  assert.equal((found as Found).hostname, "scw-1");
  const ud = server.requests.find((r) => r.path === "/user_data/cloud-init");
  assert.ok(ud && ud.remotePort < 1024, `source port ${ud?.remotePort}`);
});

test("vultr: /v1 hostname and keys as text, userdata at latest/user-data", async () => {
  const server = await serveMetadata({
    "/v1/hostname": { body: "vultr-1" },
    "/v1/public-keys": { body: `${KEY_A}\n${KEY_B}\n` },
    "/latest/user-data": { body: USERDATA },
  });
  const found = await vultr.probe(probeContext(server.url));
  assert.equal(userdataOf(found), USERDATA);
  assert.deepEqual((found as Found).sshKeys, [KEY_A, KEY_B]);
  assert.equal((found as Found).hostname, "vultr-1");
});

test("hetzner: hostname as text, public-keys as a JSON list, /hetzner/v1/userdata", async () => {
  const server = await serveMetadata({
    "/hetzner/v1/metadata/hostname": { body: "hz-1" },
    "/hetzner/v1/metadata/public-keys": { body: JSON.stringify([KEY_A]) },
    "/hetzner/v1/userdata": { body: USERDATA },
  });
  const found = await hetzner.probe(probeContext(server.url));
  assert.equal(userdataOf(found), USERDATA);
  assert.deepEqual((found as Found).sshKeys, [KEY_A]);
  assert.equal((found as Found).hostname, "hz-1");
});

test("on another cloud's server (404 for its paths) each provider is absent, asking one path", async () => {
  const server = await serveMetadata(awsRoutes({ tokens: false }));
  for (const source of [gcp, openstack, packet, scaleway, vultr, hetzner]) {
    const before = server.requests.length;
    assert.equal(await source.probe(probeContext(server.url)), "absent", source.name);
    assert.equal(server.requests.length - before, 1, source.name);
  }
});
