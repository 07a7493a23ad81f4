// Config sources are attacker-shaped (userdata comes from a metadata server): symlinks resolve
// inside the root, FIFOs and devices are refused, every read is bounded, each error names the file.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.ts";
import { formatProblem } from "../../../src/config/problems.ts";
import { MAX_CONFIG_BYTES } from "../../../src/system/bounded.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

const CONFIG_D = "/var/lib/rancher/k3os/config.d";

/** loadConfig, or a failure after a few seconds instead of a test that hangs forever. */
function loadWithin(root: string, ms = 5000) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`loadConfig did not return within ${ms} ms`)), ms);
  });
  return Promise.race([loadConfig(root), timeout]).finally(() => clearTimeout(timer));
}

test("an absolute symlink to a config outside the root is read inside the root", async () => {
  const outside = await makeRoot({ "/evil.yaml": "hostname: from-outside\n" });
  const root = await makeRoot({ [`${outside}/evil.yaml`]: "hostname: from-inside\n", "/srv/real.yaml": "k3os:\n  labels: {a: b}\n" });
  await mkdir(`${root}${CONFIG_D}`, { recursive: true });
  await symlink(`${outside}/evil.yaml`, `${root}${CONFIG_D}/10-link.yaml`);
  await mkdir(`${root}/k3os/system`, { recursive: true });
  await symlink("/srv/real.yaml", `${root}/k3os/system/config.yaml`);
  const loaded = await loadWithin(root);
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(loaded.config, { hostname: "from-inside", k3os: { labels: { a: "b" } } });
});

test("a link to outside whose target does not exist inside the root reads nothing", async () => {
  const outside = await makeRoot({ "/evil.yaml": "hostname: from-outside\n" });
  const root = await makeRoot();
  await mkdir(`${root}${CONFIG_D}`, { recursive: true });
  await symlink(`${outside}/evil.yaml`, `${root}${CONFIG_D}/10-link.yaml`);
  await symlink("../../../../../../../../..", `${root}${CONFIG_D}/20-up.yaml`);
  const loaded = await loadWithin(root);
  assert.deepEqual(loaded.config, {});
});

test("a FIFO in config.d and as /proc/cmdline is refused at once, naming the file", async () => {
  const root = await makeRoot({ "/k3os/system/config.yaml": "hostname: node1\n" });
  await mkdir(`${root}${CONFIG_D}`, { recursive: true });
  await mkdir(`${root}/proc`, { recursive: true });
  execFileSync("mkfifo", [`${root}${CONFIG_D}/50-fifo.yaml`, `${root}/proc/cmdline`, `${root}/run-userdata`]);
  await mkdir(`${root}/run/config`, { recursive: true });
  await symlink("/run-userdata", `${root}/run/config/userdata`);
  const loaded = await loadWithin(root);
  const messages = loaded.problems.map(formatProblem);
  assert.ok(messages.includes(`${CONFIG_D}/50-fifo.yaml: is a FIFO, not a regular file`), messages.join("\n"));
  assert.ok(messages.includes("/proc/cmdline: is a FIFO, not a regular file"), messages.join("\n"));
  assert.ok(messages.includes("/run/config/userdata: is a FIFO, not a regular file"), messages.join("\n"));
  assert.equal(loaded.config.hostname, "node1");
});

test("a link to /dev/zero never reads the host's device, and an oversized source is refused naming the limit", async () => {
  const root = await makeRoot({ "/k3os/system/config.yaml": "hostname: node1\n" });
  await mkdir(`${root}${CONFIG_D}`, { recursive: true });
  await symlink("/dev/zero", `${root}${CONFIG_D}/10-zero.yaml`);
  await writeFile(`${root}${CONFIG_D}/20-big.yaml`, `# ${"x".repeat(MAX_CONFIG_BYTES)}\n`);
  const loaded = await loadWithin(root);
  assert.deepEqual(loaded.problems.map(formatProblem), [`${CONFIG_D}/20-big.yaml: is larger than the limit of 4 MiB`]);
  assert.equal(loaded.config.hostname, "node1");
});
