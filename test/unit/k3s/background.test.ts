// Work the server does in the background (labelling its Node, the manifest deployer's passes) talks
// to the apiserver through kubectl; when that fails, even by a rejection (kubectl missing), the
// failure is logged and retried, never an unhandled rejection that would end `k3s` and every
// component with it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CommandNotFoundError, RecordingRunner } from "../../../src/exec/runner.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { ManifestDeployer } from "../../../src/k3s/deploy/deployer.ts";
import { labelServerNode } from "../../../src/k3s/server/node-labels.ts";
import { BackgroundTasks } from "../../../src/k3s/executor/background-tasks.ts";
import { tempRoot, writeFile } from "./helpers.ts";

const MISSING_KUBECTL = "/nonexistent/kubectl";
// What ProcessRunner does for a program that is not there: it rejects (the recording runner, as
// ProcessRunner's spawn timeout timer outlives an ENOENT and would hold the test file open 120 s).
const missingKubectl = () => new RecordingRunner(() => new CommandNotFoundError(MISSING_KUBECTL));
const unhandled: unknown[] = [];
const record = (e: unknown) => void unhandled.push(e);
before(() => process.on("unhandledRejection", record));
after(() => process.off("unhandledRejection", record));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("background work of k3s server", () => {
  it("the manifest deployer reports a kubectl that cannot run as the file's error, at start and on every resync", async () => {
    const dir = join(tempRoot(), "manifests");
    writeFile(dir, "a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
    const log = memoryLogger();
    const d = new ManifestDeployer({ dir, runner: missingKubectl(), kubectl: MISSING_KUBECTL, kubeconfig: "kc", log, resyncMs: 20, stateFile: join(tempRoot(), "state.json") });
    try {
      const first = await d.start();
      assert.equal(first.failed.length, 1);
      assert.match(first.failed[0]!.error, /nonexistent\/kubectl` not found/);
      await sleep(120);
    } finally {
      d.stop();
    }
    assert.deepEqual(unhandled, []);
    assert.ok(log.lines.filter((l) => /manifests: a\.yaml: .*not found/.test(l)).length >= 2, log.lines.join("\n"));
  });

  it("labelling the server's Node retries a kubectl that cannot run and gives up with a warning", async () => {
    const log = memoryLogger();
    const labelled = await labelServerNode({ runner: missingKubectl(), kubectl: MISSING_KUBECTL, kubeconfig: "kc", nodeName: "n1", log, attempts: 3, intervalMs: 1 });
    assert.equal(labelled, false);
    assert.equal(log.lines.filter((l) => /label node n1: .*not found/.test(l)).length, 3, log.lines.join("\n"));
    assert.deepEqual(unhandled, []);
  });
});

describe("the background task owner", () => {
  it("logs a rejecting task and retries it until it succeeds", async () => {
    const log = memoryLogger();
    const tasks = new BackgroundTasks(log, { initialDelayMs: 1 });
    let calls = 0;
    tasks.run("flaky", async () => {
      if (++calls < 3) throw new Error(`attempt ${calls}`);
    });
    while (calls < 3) await sleep(5);
    await tasks.stop();
    assert.equal(calls, 3);
    assert.deepEqual(log.lines.filter((l) => /flaky failed/.test(l)).length, 2);
    assert.deepEqual(unhandled, []);
  });

  it("stops retrying at stop(), without waiting out the backoff", async () => {
    const tasks = new BackgroundTasks(memoryLogger(), { initialDelayMs: 60_000 });
    let calls = 0;
    tasks.run("always-failing", async () => {
      calls++;
      throw new Error("no");
    });
    await sleep(5);
    const t0 = Date.now();
    await tasks.stop();
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(calls, 1);
  });
});
