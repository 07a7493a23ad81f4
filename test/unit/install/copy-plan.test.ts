import assert from "node:assert/strict";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { planCopy, readSourceSystem } from "../../../src/install/copy-plan.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

async function medium(files: Record<string, string>, links: Record<string, string>): Promise<string> {
  const root = await makeRoot(files);
  for (const [path, target] of Object.entries(links)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await symlink(target, join(root, path));
  }
  return root;
}

const FULL = {
  "/k3os/system/k3os/v1/k3os.squashfs": "u",
  "/k3os/system/kernel/6.12/vmlinuz": "k",
  "/k3os/system/kernel/6.12/initrd": "i",
  "/k3os/system/kernel/6.12/kernel.squashfs": "m",
  "/k3os/system/kernel/6.11/vmlinuz": "old",
};
const LINKS = { "/k3os/system/k3os/current": "v1", "/k3os/system/kernel/current": "6.12" };

test("the source's current version of each component is read; k3s is optional until the image has it", async () => {
  const src = await medium(FULL, LINKS);
  const { components, problems } = await readSourceSystem(src);
  assert.deepEqual(problems, []);
  assert.deepEqual(components, [
    { component: "k3os", version: "v1", files: ["k3os.squashfs"] },
    { component: "kernel", version: "6.12", files: ["initrd", "kernel.squashfs", "vmlinuz"] },
  ]);
});

test("a missing component, a missing file or a current link out of its directory is named by path", async () => {
  const src = await medium(
    { "/k3os/system/kernel/6.12/vmlinuz": "k", "/k3os/system/k3s/v1.31/k3s": "x" },
    { "/k3os/system/kernel/current": "6.12", "/k3os/system/k3s/current": "../../etc" },
  );
  const { problems } = await readSourceSystem(src);
  assert.deepEqual(problems, [
    `${src}/k3os/system/k3os/current: missing (the install source has no k3os component)`,
    `${src}/k3os/system/k3s/current: points at "../../etc", not a version directory beside it`,
    `${src}/k3os/system/kernel/6.12/initrd: missing`,
    `${src}/k3os/system/kernel/6.12/kernel.squashfs: missing`,
  ]);
});

test("the copy list: each version's files, then its current link, then config.yaml (0600) and growpart", () => {
  const ops = planCopy({
    source: "/m",
    components: [
      { component: "k3os", version: "v1", files: ["k3os.squashfs"] },
      { component: "k3s", version: "v1.31.0", files: ["k3s"] },
      { component: "kernel", version: "6.12", files: ["initrd", "vmlinuz"] },
    ],
    config: "hostname: x\n",
    growpart: "/dev/vda 1",
  });
  assert.deepEqual(ops, [
    { kind: "mkdir", path: "k3os/system/k3os/v1" },
    { kind: "copy", from: "/m/k3os/system/k3os/v1/k3os.squashfs", to: "k3os/system/k3os/v1/k3os.squashfs" },
    { kind: "link", target: "v1", path: "k3os/system/k3os/current" },
    { kind: "mkdir", path: "k3os/system/k3s/v1.31.0" },
    { kind: "copy", from: "/m/k3os/system/k3s/v1.31.0/k3s", to: "k3os/system/k3s/v1.31.0/k3s" },
    { kind: "link", target: "v1.31.0", path: "k3os/system/k3s/current" },
    { kind: "mkdir", path: "k3os/system/kernel/6.12" },
    { kind: "copy", from: "/m/k3os/system/kernel/6.12/initrd", to: "k3os/system/kernel/6.12/initrd" },
    { kind: "copy", from: "/m/k3os/system/kernel/6.12/vmlinuz", to: "k3os/system/kernel/6.12/vmlinuz" },
    { kind: "link", target: "6.12", path: "k3os/system/kernel/current" },
    { kind: "write", path: "k3os/system/config.yaml", content: "hostname: x\n", mode: 0o600 },
    { kind: "write", path: "k3os/system/growpart", content: "/dev/vda 1\n", mode: 0o644 },
  ]);
  assert.deepEqual(planCopy({ source: "/m", components: [] }), []);
});

