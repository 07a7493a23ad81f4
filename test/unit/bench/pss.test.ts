// The benchmarks' idle-memory figure: PSS from smaps_rollup summed by command name, over the
// processes of one PID namespace (read from a made-up /proc here).
import assert from "node:assert/strict";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { formatPss, pidsInNamespaceOf, pssByCommand } from "../../../builder/bench/pss.ts";

async function fakeProc(procs: { pid: number; comm: string; pssKb?: number; ns: string }[]): Promise<string> {
  const proc = await mkdtemp(join(tmpdir(), "k3os-proc-"));
  for (const p of procs) {
    await mkdir(join(proc, String(p.pid), "ns"), { recursive: true });
    await writeFile(join(proc, String(p.pid), "comm"), `${p.comm}\n`);
    if (p.pssKb !== undefined) await writeFile(join(proc, String(p.pid), "smaps_rollup"), `Rss:  9999 kB\nPss:  ${p.pssKb} kB\nPss_Anon: 1 kB\n`);
    await symlink(`pid:[${p.ns}]`, join(proc, String(p.pid), "ns", "pid"));
  }
  await mkdir(join(proc, "self"));
  return proc;
}

test("PSS is summed per command name and in total, largest first, in MB to one decimal", async () => {
  const proc = await fakeProc([
    { pid: 10, comm: "containerd-shim", pssKb: 2048, ns: "1" },
    { pid: 11, comm: "containerd-shim", pssKb: 1024, ns: "1" },
    { pid: 12, comm: "kube-apiserver", pssKb: 204800, ns: "1" },
    { pid: 13, comm: "exited", ns: "1" }, // no smaps_rollup: gone meanwhile, left out
  ]);
  const pss = pssByCommand([10, 11, 12, 13], proc);
  assert.deepEqual(pss, { totalMB: 203, byProcessMB: { "kube-apiserver": 200, "containerd-shim": 3 } });
  assert.equal(formatPss("os-srv", pss), "os-srv: idle PSS 203 MB (kube-apiserver 200, containerd-shim 3)");
});

test("a node's processes are those in the PID namespace of the one given, not the host's", async () => {
  const proc = await fakeProc([
    { pid: 1, comm: "systemd", ns: "4026531836" },
    { pid: 200, comm: "init", ns: "4026532999" },
    { pid: 201, comm: "connmand", ns: "4026532999" },
    { pid: 300, comm: "init", ns: "4026533000" },
  ]);
  assert.deepEqual(pidsInNamespaceOf(201, proc).sort((a, b) => a - b), [200, 201]);
});
