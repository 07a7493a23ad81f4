// What is written from a source's answer: hostnames the config engine accepts, no smuggled lines.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { acceptedHostname, writeFound } from "../../../src/datasource/output.ts";
import { NodeFiles } from "../../../src/system/files.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF o@example";

test("a hostname over the config engine's limit becomes its first label, so the keys are not lost with it", async () => {
  const long = `k3os-node-1.c.${"a-very-long-project-name".repeat(2)}.internal`;
  assert.ok(long.length > 64);
  assert.equal(acceptedHostname(long), "k3os-node-1");
  assert.equal(acceptedHostname("ip-10-0-0-12.ec2.internal"), "ip-10-0-0-12.ec2.internal");
  assert.equal(acceptedHostname("bad_name"), undefined);
  const root = await makeRoot();
  const warnings: string[] = [];
  await writeFound(new NodeFiles(root, false, () => {}), "gcp", { hostname: long, sshKeys: [KEY] }, (m) => warnings.push(m));
  assert.match(warnings.join("\n"), /gcp hostname .* is not a valid hostname; using k3os-node-1/);
  const loaded = await loadConfig(root);
  assert.deepEqual(loaded.problems, []);
  assert.equal(loaded.config.hostname, "k3os-node-1");
  assert.deepEqual(loaded.config.ssh_authorized_keys, [KEY]);
});

test("a hostname or key with a line break is refused, nothing written", async () => {
  const root = await makeRoot();
  const files = new NodeFiles(root, false, () => {});
  await assert.rejects(writeFound(files, "aws", { hostname: "a\nb", sshKeys: [] }), /aws hostname contains a line break/);
  await assert.rejects(writeFound(files, "aws", { sshKeys: [`${KEY}\nssh-rsa AAAA evil`] }), /aws ssh key contains a line break/);
  await assert.rejects(readFile(join(root, "run/config/local_hostname")), /ENOENT/);
});
