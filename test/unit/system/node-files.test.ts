// NodeFiles under --root: every read and write resolves inside the root, symlinks included.
import assert from "node:assert/strict";
import { mkdir, readFile, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { test } from "node:test";
import { runConfigCommand } from "../../../src/cli/config-command.ts";
import { NodeFiles } from "../../../src/system/files.ts";
import { BASE_NODE, makeRoot } from "../../helpers/temp-root.ts";

const quiet = { out: () => {}, err: () => {} };

test("hostname and sysctl writes through a /proc/sys/kernel symlink to outside stay inside the root", async () => {
  const outside = await makeRoot({ "/hostname": "host-kept\n", "/printk": "7 4 1 7\n" });
  const root = await makeRoot({ ...BASE_NODE, "/k3os/system/config.yaml": "hostname: node1\nk3os:\n  sysctls:\n    kernel.printk: 4 4 1 7\n" });
  await mkdir(`${root}/proc/sys`, { recursive: true });
  await symlink(outside, `${root}/proc/sys/kernel`);
  const code = await runConfigCommand({ root, boot: true }, quiet);
  assert.equal(code, 0);
  assert.equal(await readFile(`${outside}/hostname`, "utf8"), "host-kept\n");
  assert.equal(await readFile(`${outside}/printk`, "utf8"), "7 4 1 7\n");
  // The link's target, taken inside the root as the node would see it.
  assert.equal(await readFile(`${root}${outside}/hostname`, "utf8"), "node1\n");
  assert.equal(await readFile(`${root}${outside}/printk`, "utf8"), "4 4 1 7\n");
});

test("a read through a link that leaves the root reads inside the root", async () => {
  const outside = await makeRoot({ "/secret": "outside\n" });
  const root = await makeRoot();
  await mkdir(`${root}/etc`);
  await symlink(`${outside}/secret`, `${root}/etc/hosts`);
  const files = new NodeFiles(root, false);
  assert.equal(await files.readText("/etc/hosts"), null);
});

test("a write to the root itself or to a directory is refused, and nothing lands above the root", async () => {
  const parent = await makeRoot();
  const root = `${parent}/root`;
  await mkdir(`${root}/etc`, { recursive: true });
  const files = new NodeFiles(root, false);
  await assert.rejects(files.write("/", "x"), /\/: is a directory/);
  await assert.rejects(files.write("/etc", "x"), /\/etc: is a directory/);
  assert.deepEqual(await readdir(parent), ["root"]);
});

test("setuid bits survive a write with an owner (chown clears them, so it comes first)", async () => {
  const root = await makeRoot();
  const files = new NodeFiles(root, false);
  await files.write("/usr/bin/tool", "x", { mode: 0o4755, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
  assert.equal((await stat(`${root}/usr/bin/tool`)).mode & 0o7777, 0o4755);
});

test("a read refuses a FIFO and a file over the limit, naming the node path", async () => {
  const root = await makeRoot({ "/etc/big": "x".repeat(100) });
  const { execFileSync } = await import("node:child_process");
  execFileSync("mkfifo", [`${root}/etc/fifo`]);
  const files = new NodeFiles(root, false, () => {}, 10);
  await assert.rejects(files.read("/etc/fifo"), /\/etc\/fifo: is a FIFO/);
  await assert.rejects(files.read("/etc/big"), /\/etc\/big: is larger than the limit of 10 bytes/);
  await writeFile(`${root}/etc/small`, "ok");
  assert.equal(await files.readText("/etc/small"), "ok");
});
