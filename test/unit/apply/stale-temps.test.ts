// A write killed midway leaves a temp file; the next phase sweeps the directories k3os writes.
import assert from "node:assert/strict";
import { readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { test } from "node:test";
import { runConfigCommand } from "../../../src/cli/config-command.ts";
import { tempPathFor } from "../../../src/system/atomic-write.ts";
import { BASE_NODE, makeRoot } from "../../helpers/temp-root.ts";

test("a phase sweeps stale temp files from the write_files dirs and the dirs k3os owns, and only those", async () => {
  const root = await makeRoot({
    ...BASE_NODE,
    "/k3os/system/config.yaml": "hostname: node1\nwrite_files:\n- path: /opt/app/settings\n  content: x\n",
    "/opt/app/keep": "mine",
    "/var/lib/rancher/k3os/config.d/10-a.yaml": "k3os: {}\n",
    "/srv/unrelated/keep": "",
  });
  const stale = [`${root}/etc/hostname`, `${root}/opt/app/settings`, `${root}/var/lib/rancher/k3os/config.d/20-b.yaml`, `${root}/srv/unrelated/x`].map(tempPathFor);
  for (const t of stale) await writeFile(t, "half");
  const code = await runConfigCommand({ root, boot: true }, { out: () => {}, err: () => {} });
  assert.equal(code, 0);
  assert.deepEqual((await readdir(`${root}/opt/app`)).sort(), ["keep", "settings"]);
  assert.ok(!(await readdir(`${root}/etc`)).some((n) => n.includes(".k3os-tmp-")));
  assert.deepEqual(await readdir(`${root}/var/lib/rancher/k3os/config.d`), ["10-a.yaml"]);
  // Not a dir k3os writes: a temp there is someone else's business.
  assert.equal((await readdir(`${root}/srv/unrelated`)).length, 2);
});

test("an owned dir that is a symlink loop is reported, and the phase still runs", async () => {
  const root = await makeRoot({ ...BASE_NODE, "/k3os/system/config.yaml": "hostname: node1\n" });
  await symlink("/etc/conf.d", `${root}/etc/conf.d`);
  const err: string[] = [];
  const code = await runConfigCommand({ root, boot: true }, { out: () => {}, err: (l) => err.push(l) });
  assert.equal(await readFile(`${root}/etc/hostname`, "utf8"), "node1\n");
  assert.ok(err.some((l) => /warning: cannot sweep stale temp files in \/etc\/conf\.d: too many symbolic links/.test(l)), err.join("\n"));
  // The k3s service's settings go to /etc/conf.d: that step fails, and says so.
  assert.equal(code, 1);
});
