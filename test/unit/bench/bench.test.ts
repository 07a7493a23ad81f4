// scripts/bench.ts: its options, the subprocess of each part, how a part's output becomes its
// figures, and how a run merges into dist/bench.json. The sub-benchmarks themselves are commands
// here (RecordingRunner); the boot part's file is written to a temporary repo.
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { mergeBench, parseBenchArgs, partCommand, runPart, type BenchFile, type PartResult } from "../../../scripts/bench.ts";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { isUsageError } from "../../../builder/cli-args.ts";

const repo = "/repo";
const part = (measuredAt: string, result: unknown, ok = true): PartResult => ({
  ok, measuredAt, seconds: 1, loadBefore: [1, 1, 1], loadAfter: [1, 1, 1], command: ["x"], ...(ok ? { result } : { error: String(result) }),
});

describe("bench options", () => {
  test("with no options every part runs and the figures go to dist/bench.json", () => {
    const o = parseBenchArgs([], repo);
    assert.deepEqual(o.only, ["kube", "k3s", "os", "boot", "node"]);
    assert.equal(o.out, "/repo/dist/bench.json");
  });

  test("--only picks parts and runs them in the canonical order", () => {
    assert.deepEqual(parseBenchArgs(["--only", "boot,os,kube"], repo).only, ["kube", "os", "boot"]);
  });

  test("an unknown part, an unknown option or a bad count is refused with what is accepted", () => {
    const usage = (pattern: RegExp) => (e: Error) => isUsageError(e) && pattern.test(e.message);
    assert.throws(() => parseBenchArgs(["--only", "kube,disk"], repo), usage(/--only takes kube,k3s,os,boot,node/));
    assert.throws(() => parseBenchArgs(["--fast"], repo), usage(/Unknown option '--fast'/));
    assert.throws(() => parseBenchArgs(["--boot-runs", "0"], repo), usage(/positive whole number/));
    assert.throws(() => parseBenchArgs(["--out"], repo), usage(/'--out <value>' argument missing/));
  });

  test("each part is its own tsx subprocess and gets its own options", () => {
    const o = parseBenchArgs(["--boot-runs", "3", "--idle-seconds", "10", "--node-memory", "1024,768"], repo);
    assert.deepEqual(partCommand("kube", o, repo, "node"), ["node", "--import", "tsx", "/repo/builder/kube/figures.ts"]);
    assert.deepEqual(partCommand("k3s", o, repo, "node"), ["node", "--import", "tsx", "/repo/scripts/bench-k3s.ts", "--idle-seconds", "10"]);
    assert.deepEqual(partCommand("os", o, repo, "node"), ["node", "--import", "tsx", "/repo/scripts/bench-os.ts", "--idle-seconds", "10"]);
    assert.deepEqual(partCommand("boot", o, repo, "node"), ["node", "--import", "tsx", "/repo/builder/bench/boot.ts", "--runs", "3"]);
    assert.deepEqual(partCommand("node", o, repo, "node"), ["node", "--import", "tsx", "/repo/builder/bench/node.ts", "--memory", "1024,768"]);
  });
});

describe("merging into dist/bench.json", () => {
  const previous: BenchFile = {
    measuredAt: "2026-11-01T00:00:00.000Z",
    host: { cpus: 8 },
    parts: { kube: part("2026-11-01T00:00:00.000Z", { totalBytes: 1 }), boot: part("2026-11-01T00:01:00.000Z", { results: [] }) },
  };

  test("the parts of this run replace their namesakes and the others keep their own date", () => {
    const merged = mergeBench(previous, { kube: part("2026-11-25T00:00:00.000Z", { totalBytes: 2 }) }, { cpus: 2 }, "2026-11-25T00:00:00.000Z");
    assert.deepEqual(merged.parts.kube?.result, { totalBytes: 2 });
    assert.equal(merged.parts.boot?.measuredAt, "2026-11-01T00:01:00.000Z");
    assert.equal(merged.parts.k3s, undefined);
    assert.deepEqual(merged.host, { cpus: 2 });
    assert.equal(merged.measuredAt, "2026-11-25T00:00:00.000Z");
  });

  test("a part that failed in this run is recorded as failed, not hidden behind older figures", () => {
    const merged = mergeBench(previous, { boot: part("2026-11-25T00:00:00.000Z", "qemu died", false) }, {}, "2026-11-25T00:00:00.000Z");
    assert.equal(merged.parts.boot?.ok, false);
    assert.equal(merged.parts.boot?.error, "qemu died");
  });

  test("without a previous file only this run's parts are written, in canonical order", () => {
    const merged = mergeBench(undefined, { boot: part("b", 2), kube: part("a", 1) }, {}, "now");
    assert.deepEqual(Object.keys(merged.parts), ["kube", "boot"]);
  });
});

describe("running a part", () => {
  let tmpRepo: string;
  const opts = parseBenchArgs([], "/unused");
  const quiet = { log: () => {} };
  before(async () => {
    tmpRepo = await mkdtemp(join(tmpdir(), "k3os-bench-unit-"));
    await mkdir(join(tmpRepo, "dist"));
  });
  after(async () => {
    await rm(tmpRepo, { recursive: true, force: true });
  });

  test("a part's JSON on stdout becomes its result, with the command and the time it took", async () => {
    const runner = new RecordingRunner(() => ({ stdout: '{"totalBytes": 42}\n', stderr: "kube: cached\n" }));
    const r = await runPart(runner, "kube", opts, tmpRepo, quiet);
    assert.equal(r.ok, true);
    assert.deepEqual(r.result, { totalBytes: 42 });
    assert.deepEqual(r.command.slice(-1), [join(tmpRepo, "builder/kube/figures.ts")]);
    assert.equal(runner.calls[0]?.opts.cwd, tmpRepo);
    assert.equal(r.loadBefore.length, 3);
  });

  test("a part that exits non-zero is a failure that quotes the end of its stderr", async () => {
    const runner = new RecordingRunner(() => ({ exitCode: 1, stderr: "bench: starting\nbench: error: needs root\n" }));
    const r = await runPart(runner, "k3s", opts, tmpRepo, quiet);
    assert.equal(r.ok, false);
    assert.match(r.error ?? "", /exit 1: .*needs root/s);
  });

  test("output that is not JSON is a failure, not an empty result", async () => {
    const r = await runPart(new RecordingRunner(() => ({ stdout: "Killed\n" })), "kube", opts, tmpRepo, quiet);
    assert.equal(r.ok, false);
    assert.match(r.error ?? "", /unreadable result/);
  });

  test("the boot part's figures come from the dist/bench-boot.json written during the run", async () => {
    // The file as boot.ts leaves it, stamped after the run started.
    await writeFile(join(tmpRepo, "dist", "bench-boot.json"), JSON.stringify({ at: "2026-11-25T20:05:00.000Z", results: [{ isoBootToLoginS: 90 }] }));
    const runner = new RecordingRunner(() => ({ stdout: '{"isoBootToLoginS": 90}\n' }));
    const r = await runPart(runner, "boot", opts, tmpRepo, { ...quiet, now: () => new Date("2026-11-25T20:00:00.000Z") });
    assert.equal(r.ok, true, r.error);
    assert.deepEqual((r.result as { results: unknown[] }).results, [{ isoBootToLoginS: 90 }]);
  });

  test("a dist/bench-boot.json older than the run is refused as stale", async () => {
    await writeFile(join(tmpRepo, "dist", "bench-boot.json"), JSON.stringify({ at: "2026-11-01T00:00:00.000Z", results: [] }));
    const r = await runPart(new RecordingRunner(), "boot", opts, tmpRepo, { ...quiet, now: () => new Date("2026-11-25T20:00:00.000Z") });
    assert.equal(r.ok, false);
    assert.match(r.error ?? "", /before this run/);
  });
});
