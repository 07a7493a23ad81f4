// Components die with `k3s`: whatever ends it (an uncaught error included), its children go too,
// and a `k3s` started on the same data dir after one that was SIGKILLed first kills what that one
// left running, so a service manager respawning `k3s` never runs it beside orphaned components.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/system/log.ts";
import { writeComponentPids } from "../../../src/k3s/executor/leftovers.ts";
import { Supervisor } from "../../../src/k3s/executor/supervisor.ts";
import { alive, tempRoot } from "./helpers.ts";

const FIXTURE = join(import.meta.dirname, "fixtures", "supervised-sleep.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function gone(pid: number, withinMs = 3000): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < withinMs; await sleep(20)) if (!alive(pid)) return true;
  return false;
}

/** Runs the fixture; resolves with the component's pid and a promise of the fixture's exit. */
function runFixture(args: string[]): Promise<{ pid: number; k3sPid: number; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      const m = out.match(/^(\d+)\n/);
      if (m) resolve({ pid: Number(m[1]), k3sPid: child.pid!, exited });
    });
    void exited.then(() => reject(new Error(`fixture exited before starting its component: ${err}`)));
  });
}

describe("component lifetime", () => {
  it("an uncaught error in k3s kills its components on the way out", async () => {
    const { pid, exited } = await runFixture(["throw", tempRoot()]);
    try {
      assert.equal(await exited, 1);
      assert.ok(await gone(pid), `component ${pid} outlived k3s`);
    } finally {
      if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  });

  it("a k3s started after one that was SIGKILLed kills the components that one left", async () => {
    const dir = tempRoot();
    const pidFile = join(dir, "components.pids");
    const first = await runFixture(["wait", dir, pidFile]);
    process.kill(first.k3sPid, "SIGKILL"); // no exit handler runs: the component is orphaned
    await first.exited;
    await sleep(100);
    const orphan = first.pid;
    try {
      const sup = new Supervisor([{ name: "sleeper", argv: ["sleep", "300"] }], { logDir: dir, log: memoryLogger(), pidFile });
      await sup.start();
      try {
        assert.ok(await gone(orphan), `leftover component ${orphan} still runs beside the new one`);
      } finally {
        await sup.stop();
      }
    } finally {
      if (alive(orphan)) process.kill(orphan, "SIGKILL");
    }
  });

  it("kills a recorded leftover that still runs, with its process group", async () => {
    const dir = tempRoot();
    const pidFile = join(dir, "components.pids");
    // A component of a previous k3s that had no way to take it along (no parent-death signal).
    const orphan = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    orphan.unref();
    try {
      writeComponentPids(pidFile, [{ name: "sleeper", pid: orphan.pid! }]);
      const log = memoryLogger();
      const sup = new Supervisor([], { logDir: dir, log, pidFile });
      await sup.start();
      await sup.stop();
      assert.ok(await gone(orphan.pid!), "leftover still runs");
      assert.match(log.lines.join("\n"), new RegExp(`killing sleeper \\(pid ${orphan.pid}\\), left running by a previous k3s`));
    } finally {
      if (alive(orphan.pid!)) process.kill(orphan.pid!, "SIGKILL");
    }
  });

  it("leaves a process alone whose pid was recorded but which is another program now", async () => {
    const dir = tempRoot();
    const pidFile = join(dir, "components.pids");
    const first = await runFixture(["wait", dir, pidFile]);
    process.kill(first.k3sPid, "SIGKILL");
    await first.exited;
    process.kill(first.pid, "SIGKILL"); // the component is gone; fake a reused pid: ours
    await gone(first.pid);
    const { writeFileSync, readFileSync } = await import("node:fs");
    writeFileSync(pidFile, readFileSync(pidFile, "utf8").replace(String(first.pid), String(process.pid)));
    const sup = new Supervisor([], { logDir: dir, log: memoryLogger(), pidFile });
    await sup.start();
    await sup.stop();
    assert.ok(alive(process.pid));
  });
});
