// The supervisor with tiny real programs (sh scripts) as its components.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/system/log.ts";
import { fileExists } from "../../../src/k3s/executor/probes.ts";
import { startOrder, Supervisor, type ComponentSpec } from "../../../src/k3s/executor/supervisor.ts";
import { alive, tempRoot } from "./helpers.ts";

// Components are small sh scripts: they start in milliseconds, where a node child takes ~100 ms.
const sh = (script: string) => ["/bin/sh", "-c", script];
const q = (p: string) => `'${p}'`;
/** Stays up, sleeping in the background so a trapped SIGTERM is handled at once. */
const IDLE = "while :; do sleep 1 & wait $!; done";
/** A program that records its start time, marks itself ready after `delayMs`, then stays up. */
function program(dir: string, name: string, delayMs = 30, prelude = ""): string[] {
  // The TERM trap comes first: a component stopped right after it was ready must already have it.
  return sh(
    `trap ': > ${join(dir, `${name}.term`)}; exit 0' TERM; ` +
      `${prelude}date +%s%3N >> ${q(join(dir, `${name}.starts`))}; (sleep ${delayMs / 1000}; : > ${q(join(dir, `${name}.ready`))}) & ${IDLE}`,
  );
}
const starts = (dir: string, name: string) => (existsSync(join(dir, `${name}.starts`)) ? readFileSync(join(dir, `${name}.starts`), "utf8").trim().split("\n").map(Number) : []);
const fast = { initialBackoffMs: 50, maxBackoffMs: 400, readyPollMs: 10, stopGraceMs: 2000 };

describe("component supervisor", () => {
  it("orders components after their dependencies and refuses a cycle", () => {
    const specs = [{ name: "kubelet", dependsOn: ["containerd", "apiserver"] }, { name: "apiserver", dependsOn: ["kine"] }, { name: "kine" }, { name: "containerd" }];
    const order = startOrder(specs);
    assert.deepEqual([...order].sort(), ["apiserver", "containerd", "kine", "kubelet"]);
    for (const s of specs) for (const d of s.dependsOn ?? []) assert.ok(order.indexOf(d) < order.indexOf(s.name), `${d} before ${s.name}`);
    assert.throws(() => startOrder([{ name: "a", dependsOn: ["b"] }, { name: "b", dependsOn: ["a"] }]), /dependency cycle: a -> b -> a/);
  });

  it("starts a component only once those it depends on are ready, and logs each to its own file", async () => {
    const dir = tempRoot();
    const specs: ComponentSpec[] = [
      { name: "b", argv: program(dir, "b"), dependsOn: ["a"], ready: fileExists(join(dir, "b.ready")) },
      { name: "a", argv: program(dir, "a", 150, "echo hello from a; "), ready: fileExists(join(dir, "a.ready")) },
    ];
    const sup = new Supervisor(specs, { logDir: join(dir, "logs"), log: memoryLogger(), ...fast });
    try {
      await sup.start();
      const aReady = Number(readFileSync(join(dir, "a.starts"), "utf8").trim()) + 150;
      assert.ok(starts(dir, "b")[0]! >= aReady - 20, "b started after a was ready");
      assert.deepEqual(Object.values(sup.status()).map((s) => s.state), ["ready", "ready"]);
    } finally {
      await sup.stop();
    }
    assert.match(readFileSync(join(dir, "logs", "a.log"), "utf8"), /hello from a/);
  });

  it("runs a component's after-ready step before its dependents start", async () => {
    const dir = tempRoot();
    const events: string[] = [];
    const sup = new Supervisor(
      [
        { name: "runtime", argv: program(dir, "runtime", 10), ready: fileExists(join(dir, "runtime.ready")), afterReady: async () => void events.push("images imported") },
        { name: "kubelet", argv: program(dir, "kubelet", 10), dependsOn: ["runtime"] },
      ],
      { logDir: dir, log: memoryLogger(), ...fast },
    );
    sup.on("start", (name: string) => events.push(`start ${name}`));
    try {
      await sup.start();
      assert.deepEqual(events, ["start runtime", "images imported", "start kubelet"]);
    } finally {
      await sup.stop();
    }
  });

  it("restarts a component that dies, waiting longer after each quick death", async () => {
    const dir = tempRoot();
    const counter = join(dir, "count");
    writeFileSync(counter, "0");
    // Dies at once three times, then stays up.
    // The start is stamped before the counter moves: the ready probe reads the counter.
    const argv = sh(`date +%s%3N >> ${q(join(dir, "c.starts"))}; n=$(($(cat ${q(counter)}) + 1)); echo $n > ${q(counter)}; [ $n -ge 4 ] || exit 3; ${IDLE}`);
    const log = memoryLogger();
    const sup = new Supervisor([{ name: "c", argv, ready: async () => readFileSync(counter, "utf8").trim() === "4" }], { logDir: dir, log, ...fast });
    try {
      await sup.start();
      const t = starts(dir, "c");
      assert.equal(t.length, 4);
      const delays = [...log.lines.join("\n").matchAll(/c exit code 3 after \d+ ms; restarting in (\d+) ms/g)].map((m) => Number(m[1]));
      assert.deepEqual(delays, [50, 100, 200]);
      for (let i = 0; i < 3; i++) assert.ok(t[i + 1]! - t[i]! >= delays[i]!, `start ${i + 1} waited its delay`);
      assert.equal(sup.status().c!.restarts, 3);
    } finally {
      await sup.stop();
    }
  });

  it("restarts a killed component and reports it ready again", async () => {
    const dir = tempRoot();
    const sup = new Supervisor([{ name: "api", argv: program(dir, "api", 10) }], { logDir: dir, log: memoryLogger(), ...fast });
    try {
      await sup.start();
      const first = sup.status().api!.pid!;
      const again = new Promise<void>((resolve) => sup.once("ready", () => resolve()));
      process.kill(first, "SIGKILL");
      await again;
      const second = sup.status().api!.pid!;
      assert.notEqual(second, first);
      assert.ok(alive(second));
      assert.equal(sup.status().api!.lastExit, "killed by SIGKILL");
    } finally {
      await sup.stop();
    }
  });

  it("stops dependents first with SIGTERM and kills one that ignores it after the grace period", async () => {
    const dir = tempRoot();
    const stubborn = sh(`trap '' TERM; : > ${q(join(dir, "s.up"))}; ${IDLE}`);
    const sup = new Supervisor(
      [
        // ready probes: stopped before its shell set the TERM trap, a program leaves no .term file
        { name: "base", argv: program(dir, "base", 5), ready: fileExists(join(dir, "base.ready")) },
        { name: "top", argv: program(dir, "top", 5), dependsOn: ["base"], ready: fileExists(join(dir, "top.ready")) },
        { name: "stubborn", argv: stubborn, dependsOn: ["base"], ready: fileExists(join(dir, "s.up")) },
      ],
      { logDir: dir, log: memoryLogger(), ...fast, stopGraceMs: 300 },
    );
    await sup.start();
    const pids = Object.values(sup.status()).map((s) => s.pid);
    const exits: string[] = [];
    sup.on("exit", (name: string) => exits.push(name));
    const t0 = Date.now();
    await sup.stop();
    assert.equal(exits.at(-1), "base", `base stops last: ${exits.join(", ")}`);
    assert.ok(existsSync(join(dir, "top.term")) && existsSync(join(dir, "base.term")));
    assert.ok(Date.now() - t0 >= 300, "waited the grace period for the stubborn one");
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(pids.every((p) => !alive(p)), "no child left");
    assert.deepEqual(Object.values(sup.status()).map((s) => s.state), ["stopped", "stopped", "stopped"]);
  });

  it("stops components that do not depend on each other at the same time", async () => {
    const dir = tempRoot();
    // Each takes 400 ms to exit after SIGTERM, as a component finishing its requests would.
    const slow = (name: string) => sh(`trap 'sleep 0.4; : > ${q(join(dir, `${name}.term`))}; exit 0' TERM; : > ${q(join(dir, `${name}.up`))}; ${IDLE}`);
    const sup = new Supervisor(
      [
        { name: "base", argv: slow("base"), ready: fileExists(join(dir, "base.up")) },
        { name: "a", argv: slow("a"), dependsOn: ["base"], ready: fileExists(join(dir, "a.up")) },
        { name: "b", argv: slow("b"), dependsOn: ["base"], ready: fileExists(join(dir, "b.up")) },
      ],
      { logDir: dir, log: memoryLogger(), ...fast },
    );
    await sup.start();
    const exits: string[] = [];
    sup.on("exit", (name: string) => exits.push(name));
    const t0 = Date.now();
    await sup.stop();
    const ms = Date.now() - t0;
    assert.equal(exits.at(-1), "base", `base stops after a and b: ${exits.join(", ")}`);
    // In turn it would be 3 x 400 ms; a and b together, then base: about 2 x 400 ms.
    assert.ok(ms >= 800 && ms < 1150, `stopped in ${ms} ms`);
  });

  it("backs off a program that cannot be started instead of hanging", async () => {
    const dir = tempRoot();
    const log = memoryLogger();
    const sup = new Supervisor([{ name: "ghost", argv: [join(dir, "no-such-program")] }], { logDir: dir, log, ...fast });
    void sup.start();
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(sup.status().ghost!.restarts >= 1);
    assert.match(log.lines.join("\n"), /ghost: spawn .*ENOENT/);
    await sup.stop();
  });
});

describe("component hooks", () => {
  it("retries a failing before-start and after-ready step with backoff instead of never starting the component", async () => {
    const dir = tempRoot();
    let before = 0;
    let afterwards = 0;
    const log = memoryLogger();
    const specs: ComponentSpec[] = [
      {
        name: "flanneld",
        argv: program(dir, "flanneld"),
        ready: fileExists(join(dir, "flanneld.ready")),
        beforeStart: async () => {
          if (++before < 3) throw new Error("the apiserver timed out");
        },
        afterReady: async () => {
          if (++afterwards < 2) throw new Error("conflist not written yet");
        },
      },
    ];
    const sup = new Supervisor(specs, { logDir: join(dir, "logs"), log, ...fast });
    try {
      await sup.start();
      assert.equal(sup.status().flanneld?.state, "ready");
      assert.equal(before, 3);
      assert.equal(afterwards, 2);
      assert.equal(starts(dir, "flanneld").length, 1, "started once, after its step succeeded");
      const text = log.lines.join("\n");
      assert.match(text, /flanneld: preparing its start failed: the apiserver timed out; retrying in 50 ms/);
      assert.match(text, /flanneld: its after-ready step failed: conflist not written yet/);
    } finally {
      await sup.stop();
    }
  });
});
