import assert from "node:assert/strict";
import { readFile, writeFile, mkdir, rm } from "node:fs/promises";
import { test } from "node:test";
import { parse } from "yaml";
import { runConfigCommand, type ConfigOptions } from "../../../src/cli/config-command.ts";
import { BASE_NODE, makeRoot, readTree } from "../../helpers/temp-root.ts";

const SAMPLE = new URL("../../fixtures/sample-config.yaml", import.meta.url);
const GOLDEN = new URL("../../fixtures/golden-boot/", import.meta.url);

async function run(opts: Partial<ConfigOptions> & { root: string }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runConfigCommand(opts, { out: (t) => out.push(t), err: (l) => err.push(l) });
  return { code, out: out.join(""), err };
}

async function sampleNode() {
  return makeRoot({
    ...BASE_NODE,
    "/k3os/system/config.yaml": await readFile(SAMPLE),
    "/proc/cmdline": "BOOT_IMAGE=/k3os/vmlinuz console=ttyS0 k3os.mode=live k3os.labels.fromcmdline=yes",
    "/run/k3os/mode": "live\n",
  });
}

test("the README's sample config round-trips through --dump", async () => {
  const root = await makeRoot({ "/k3os/system/config.yaml": await readFile(SAMPLE) });
  const first = await run({ root, dump: true });
  assert.equal(first.code, 0, first.err.join("\n"));
  assert.deepEqual(parse(first.out), parse(await readFile(SAMPLE, "utf8")));
  const again = await makeRoot({ "/k3os/system/config.yaml": first.out });
  assert.equal((await run({ root: again, dump: true })).out, first.out);
  const json = await run({ root, dumpJson: true });
  assert.deepEqual(JSON.parse(json.out), parse(first.out));
});

test("--boot on the sample node writes the files k3OS would, as in the golden tree", async () => {
  const root = await sampleNode();
  const r = await run({ root, boot: true });
  // The commands are not run on a root that is not the running system; nothing else failed.
  assert.equal(r.code, 0, r.err.join("\n"));
  const tree = await readTree(root);
  for (const input of [...Object.keys(BASE_NODE).filter((p) => p !== "/etc/hosts" && p !== "/etc/shadow"), "/k3os/system/config.yaml", "/proc/cmdline", "/run/k3os/mode"]) {
    delete tree[input];
  }
  if (process.env.UPDATE_GOLDEN) {
    await rm(GOLDEN, { recursive: true, force: true });
    for (const [p, c] of Object.entries(tree)) {
      const target = new URL(`.${p}`, GOLDEN);
      await mkdir(new URL(".", target), { recursive: true });
      await writeFile(target, c);
    }
  }
  assert.deepEqual(tree, await readTree(GOLDEN.pathname));
});

test("--dry-run prints what it would write and writes nothing", async () => {
  const root = await sampleNode();
  const before = await readTree(root);
  const r = await run({ root, boot: true, dryRun: true });
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual(await readTree(root), before);
  assert.match(r.out, /would write \/etc\/hostname \(7 bytes, mode 0644\)/);
  assert.match(r.out, /would write \/etc\/conf\.d\/k3s-service/);
  assert.match(r.out, /would run: modprobe -- kvm/);
  assert.match(r.out, /would run: sh -c 'echo hello, boot command'/);
});

test("a broken source fails --dump with every error, and --boot still applies the rest", async () => {
  const root = await sampleNode();
  await mkdir(`${root}/var/lib/rancher/k3os/config.d`, { recursive: true });
  await writeFile(`${root}/var/lib/rancher/k3os/config.d/50-net.yaml`, "hostname: other\nk3os:\n  labels: [a]\n");
  const dump = await run({ root, dump: true });
  assert.equal(dump.code, 1);
  assert.equal(dump.out, "");
  assert.ok(dump.err.includes("/var/lib/rancher/k3os/config.d/50-net.yaml:3: k3os.labels: expected a map, got a list"));
  const boot = await run({ root, boot: true });
  assert.equal(boot.code, 1);
  assert.equal(await readFile(`${root}/etc/hostname`, "utf8"), "myhost\n");
});

test("unknown keys warn, and fail only with --strict", async () => {
  const root = await makeRoot({ "/k3os/system/config.yaml": "hostname: a\nk3os:\n  tokn: x\n" });
  const loose = await run({ root, dump: true });
  assert.equal(loose.code, 0);
  assert.deepEqual(loose.err, ["warning: /k3os/system/config.yaml:3: k3os.tokn: unknown key (ignored)"]);
  const strict = await run({ root, dump: true, strict: true });
  assert.equal(strict.code, 1);
});

test("--schema prints a JSON Schema with every documented key", async () => {
  const r = await run({ root: "/nonexistent", schema: true });
  const schema = JSON.parse(r.out);
  assert.equal(r.code, 0);
  assert.deepEqual(Object.keys(schema.properties), ["ssh_authorized_keys", "write_files", "hostname", "init_cmd", "boot_cmd", "run_cmd", "k3os"]);
  assert.equal(schema.properties.k3os.properties.install.properties.force_efi.type, "boolean");
});

test("two modes at once are refused", async () => {
  const r = await run({ root: "/", dump: true, boot: true });
  assert.equal(r.code, 2);
  assert.match(r.err[0] ?? "", /choose one of/);
});
