import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { renderConfigReference, updateReadmeReference } from "../../../src/config/reference.ts";

test("the README's configuration reference is the one generated from the schema (run `npm run docs`)", async () => {
  const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
  assert.equal(updateReadmeReference(readme), readme);
});

test("the reference lists every key with its phases", () => {
  const ref = renderConfigReference();
  for (const key of ["ssh_authorized_keys", "write_files[].encoding", "k3os.sysctls", "k3os.wifi[].passphrase", "k3os.install.force_efi", "k3os.taints"]) {
    assert.ok(ref.includes(`| \`${key}\` |`), key);
  }
  assert.match(ref, /\| `init_cmd` \| list of strings \| initrd \|/);
});

test("the token's row says where k3s gets it: `token:` in config.yaml.d/10-k3os.yaml, not a K3S_ variable", () => {
  const rows = renderConfigReference().split("\n");
  const token = rows.find((r) => r.startsWith("| `k3os.token` |")) ?? "";
  assert.match(token, /`token:` in \/etc\/rancher\/k3s\/config\.yaml\.d\/10-k3os\.yaml/);
  assert.deepEqual(rows.filter((r) => /K3S_(TOKEN|URL)/.test(r)), []);
});
