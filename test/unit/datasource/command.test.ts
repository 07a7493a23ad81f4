// `k3os datasource` end to end on temp roots: what it writes, with which modes, that the config
// engine reads it back, and that a node without any source goes on (exit 0).
import assert from "node:assert/strict";
import { stat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { k3osMain } from "../../../src/cli/k3os.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { makeRoot } from "../../helpers/temp-root.ts";
import { closedUrl, serveMetadata, type Answer } from "./metadata-server.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB hz@example";

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (l: string) => void err.push(l) } };
}

function hetznerServer(userdata: Answer) {
  return serveMetadata({
    "/hetzner/v1/metadata/hostname": { body: "hz-node-1" },
    "/hetzner/v1/metadata/public-keys": { body: JSON.stringify([KEY]) },
    "/hetzner/v1/userdata": userdata,
  });
}

const modeOf = async (p: string) => (await stat(p)).mode & 0o7777;

test("YAML userdata, hostname and keys land under /run/config and the config engine merges them", async () => {
  const server = await hetznerServer({ body: "#cloud-config\nk3os:\n  labels:\n    from: userdata\n" });
  const root = await makeRoot();
  const r = io();
  assert.equal(await k3osMain(["datasource", "--root", root, "--metadata-url", server.url, "hetzner"], r.io), 0);
  assert.equal(await readFile(join(root, "run/config/local_hostname"), "utf8"), "hz-node-1\n");
  assert.equal(await readFile(join(root, "run/config/ssh/authorized_keys"), "utf8"), `${KEY}\n`);
  assert.equal(await modeOf(join(root, "run/config/userdata")), 0o600);
  const loaded = await loadConfig(root);
  assert.equal(loaded.config.hostname, "hz-node-1");
  assert.deepEqual(loaded.config.ssh_authorized_keys, [KEY]);
  assert.deepEqual(loaded.config.k3os?.labels, { from: "userdata" });
  assert.ok(r.err.some((l) => /^k3os datasource: datasource hetzner: userdata: .*\(\d+\.\d\d s\)$/.test(l)), r.err.join("\n"));
});

test("a #! userdata is written executable and taken by the config engine as a script", async () => {
  const script = "#!/bin/sh\necho hello\n";
  const server = await hetznerServer({ body: script });
  const root = await makeRoot();
  assert.equal(await k3osMain(["datasource", "--root", root, "--metadata-url", server.url, "hetzner"], io().io), 0);
  assert.equal(await modeOf(join(root, "run/config/userdata")), 0o700);
  assert.equal((await loadConfig(root)).userdataScript?.content.toString(), script);
});

test("gzip userdata (as EC2 accepts it) is written decompressed", async () => {
  const server = await hetznerServer({ body: gzipSync("hostname: zipped\n") });
  const root = await makeRoot();
  assert.equal(await k3osMain(["datasource", "--root", root, "--metadata-url", server.url, "hetzner"], io().io), 0);
  assert.equal(await readFile(join(root, "run/config/userdata"), "utf8"), "hostname: zipped\n");
});

test("--dry-run probes and says what it would write, writing nothing", async () => {
  const server = await hetznerServer({ body: "hostname: x\n" });
  const root = await makeRoot();
  const r = io();
  assert.equal(await k3osMain(["datasource", "--dry-run", "--root", root, "--metadata-url", server.url, "hetzner"], r.io), 0);
  assert.match(r.out.join(""), /would write \/run\/config\/userdata \(12 bytes, mode 0600\)/);
  await assert.rejects(stat(join(root, "run/config")), /ENOENT/);
});

test("the sources come from k3os.data_sources when none are given, in that order", async () => {
  const server = await hetznerServer({ body: "hostname: y\n" });
  const root = await makeRoot({ "/var/lib/rancher/k3os/config.yaml": "k3os:\n  data_sources: [openstack, hetzner]\n" });
  const r = io();
  assert.equal(await k3osMain(["datasource", "--root", root, "--metadata-url", server.url], r.io), 0);
  assert.deepEqual(server.paths().slice(0, 2), ["GET /openstack/latest/meta_data.json", "GET /hetzner/v1/metadata/hostname"]);
  assert.ok(r.err.some((l) => l.includes("datasource openstack: absent")));
  assert.equal(await readFile(join(root, "run/config/userdata"), "utf8"), "hostname: y\n");
});

test("no source answering is exit 0 with one line per source and nothing written", async () => {
  const url = await closedUrl();
  const root = await makeRoot();
  const r = io();
  const started = performance.now();
  assert.equal(await k3osMain(["datasource", "--root", root, "--metadata-url", url, "aws", "gcp", "openstack", "vultr", "hetzner"], r.io), 0);
  assert.ok(performance.now() - started < 10_000);
  assert.equal(r.err.filter((l) => /datasource \w+: absent/.test(l)).length, 5);
  assert.ok(r.err.some((l) => l.includes("no datasource answered")));
  await assert.rejects(stat(join(root, "run/config")), /ENOENT/);
});

test("no configured source: nothing to probe, exit 0", async () => {
  const root = await makeRoot();
  const r = io();
  assert.equal(await k3osMain(["datasource", "--root", root], r.io), 0);
  assert.match(r.err.join("\n"), /no datasource configured/);
});

test("usage errors exit 2: unknown option, unknown source, bad timeout, empty root", async () => {
  for (const args of [["--bogus"], ["azure"], ["--timeout", "0"], ["--timeout", "soon"], ["--root", ""], ["--metadata-url", "ftp://x"]]) {
    const r = io();
    assert.equal(await k3osMain(["datasource", ...args], r.io), 2, args.join(" "));
    assert.match(r.err[0] ?? "", /^k3os datasource: /);
  }
  const r = io();
  assert.equal(await k3osMain(["datasource", "--help"], r.io), 0);
  assert.match(r.out.join(""), /usage: k3os datasource/);
});
