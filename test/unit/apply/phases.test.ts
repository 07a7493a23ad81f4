import assert from "node:assert/strict";
import { test } from "node:test";
import type { Phase } from "../../../src/apply/context.ts";
import { PHASE_TABLE, runPhase } from "../../../src/apply/phases.ts";
import { makeContext, makeRoot } from "../../helpers/temp-root.ts";

// The k3OS documentation's table of config keys per phase (initrd, boot, runtime).
const DOCUMENTED: Record<string, Phase[]> = {
  ssh_authorized_keys: ["boot", "runtime"],
  write_files: ["initrd", "boot", "runtime"],
  hostname: ["initrd", "boot", "runtime"],
  run_cmd: ["runtime"],
  boot_cmd: ["boot"],
  init_cmd: ["initrd"],
  "k3os.data_sources": ["boot"],
  "k3os.modules": ["initrd", "boot", "runtime"],
  "k3os.sysctls": ["initrd", "boot", "runtime"],
  "k3os.ntp_servers": ["boot", "runtime"],
  "k3os.dns_nameservers": ["boot", "runtime"],
  "k3os.wifi": ["boot", "runtime"],
  "k3os.password": ["initrd", "boot", "runtime"],
  "k3os.server_url": ["boot", "runtime"],
  "k3os.token": ["boot", "runtime"],
  "k3os.labels": ["boot", "runtime"],
  "k3os.k3s_args": ["boot", "runtime"],
  "k3os.environment": ["initrd", "boot", "runtime"],
  "k3os.taints": ["boot", "runtime"],
};

test("each config key is applied in exactly the phases the k3OS documentation lists", () => {
  const actual: Record<string, Phase[]> = {};
  for (const step of PHASE_TABLE) for (const key of step.keys) actual[key] = step.phases.filter((p) => p !== "install");
  assert.deepEqual(actual, DOCUMENTED);
});

test("within a phase, files are written before any command runs", () => {
  const names = PHASE_TABLE.map((s) => s.name);
  for (const cmd of ["init-cmd", "boot-cmd", "run-cmd", "userdata"]) assert.ok(names.indexOf("write-files") < names.indexOf(cmd), cmd);
});

test("a failing step is reported and the later steps still run", async () => {
  const ran: string[] = [];
  const table = ["a", "b", "c"].map((name) => ({
    name,
    keys: [],
    phases: ["boot" as Phase],
    apply: async () => {
      ran.push(name);
      if (name === "b") throw new Error("b broke");
    },
  }));
  const { ctx, log } = makeContext(await makeRoot());
  const failures = await runPhase({}, ctx, table);
  assert.deepEqual(ran, ["a", "b", "c"]);
  assert.deepEqual(failures.map((f) => `${f.step}: ${f.error.message}`), ["b: b broke"]);
  assert.ok(log.lines.some((l) => l.includes("error: b: b broke")));
});
