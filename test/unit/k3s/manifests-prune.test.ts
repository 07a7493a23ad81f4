// What the deployer deletes, as k3s's deploy controller: objects a changed file dropped, everything a
// --disable'd bundled file applied; and what it keeps: the objects of a file removed by hand. kubectl
// is the recording runner; its `apply -o json` answer is made from the file's own JSON.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { deleteArgs, parseAppliedObjects } from "../../../src/k3s/deploy/applied-objects.ts";
import { ManifestDeployer } from "../../../src/k3s/deploy/deployer.ts";
import { tempRoot, writeFile } from "./helpers.ts";

const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } });
const role = (name: string) => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name } });
const list = (...items: object[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });

/** kubectl as the apiserver would answer: apply prints what the file holds, as kubectl does
 * (one object alone, several as a List); delete succeeds. */
function kubectl(): RecordingRunner {
  return new RecordingRunner((argv) => {
    if (argv.includes("apply")) {
      const items = (JSON.parse(readFileSync(argv.at(-1)!, "utf8")) as { items: object[] }).items;
      return { stdout: JSON.stringify(items.length === 1 ? items[0] : { apiVersion: "v1", kind: "List", items }) };
    }
    return {};
  });
}

const deletes = (r: RecordingRunner) => r.calls.filter((c) => c.argv.includes("delete")).map((c) => c.argv.slice(6).join(" "));

describe("objects the deployer deletes, as k3s does", () => {
  it("reads kubectl's apply output: one object, or a List of several", () => {
    assert.deepEqual(parseAppliedObjects(JSON.stringify(cm("a"))), [{ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a" }]);
    assert.deepEqual(parseAppliedObjects(list(cm("a"), role("r"))).map((o) => o.name), ["a", "r"]);
    assert.deepEqual(parseAppliedObjects(""), []);
  });

  it("names objects for kubectl delete as Kind/name in the core group and Kind.version.group/name elsewhere", () => {
    assert.deepEqual(deleteArgs({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "a" }), ["delete", "--ignore-not-found", "--wait=false", "-n", "default", "ConfigMap/a"]);
    assert.deepEqual(deleteArgs({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: "r" }), ["delete", "--ignore-not-found", "--wait=false", "ClusterRole.v1.rbac.authorization.k8s.io/r"]);
  });

  it("deletes the objects a changed file no longer holds, and keeps the rest", async () => {
    const dir = tempRoot();
    const stateFile = join(tempRoot(), "state.json");
    writeFile(dir, "app.json", list(cm("a"), cm("b"), role("r")));
    const runner = kubectl();
    const d = new ManifestDeployer({ dir, runner, kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger(), stateFile });
    assert.deepEqual((await d.sync()).deleted, []);
    writeFile(dir, "app.json", list(cm("a")));
    const r = await d.sync();
    assert.deepEqual(r.deleted, ["-n default ConfigMap/b", "ClusterRole.v1.rbac.authorization.k8s.io/r"]);
    assert.deepEqual(deletes(runner), r.deleted);
    assert.deepEqual(JSON.parse(readFileSync(stateFile, "utf8")), { "app.json": [{ apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "default" }] });
  });

  it("remembers across restarts what a file applied, so a later change still prunes", async () => {
    const dir = tempRoot();
    const stateFile = join(tempRoot(), "state.json");
    writeFile(dir, "app.json", list(cm("a"), cm("b")));
    await new ManifestDeployer({ dir, runner: kubectl(), kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger(), stateFile }).sync();
    writeFile(dir, "app.json", list(cm("b")));
    const runner = kubectl();
    await new ManifestDeployer({ dir, runner, kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger(), stateFile }).sync();
    assert.deepEqual(deletes(runner), ["-n default ConfigMap/a"]);
  });

  it("keeps the objects of a file removed by hand (k3s: deleting a file does not delete its resources)", async () => {
    const dir = tempRoot();
    const stateFile = join(tempRoot(), "state.json");
    writeFile(dir, "app.json", list(cm("a")));
    const runner = kubectl();
    const d = new ManifestDeployer({ dir, runner, kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger(), stateFile });
    await d.sync();
    rmSync(join(dir, "app.json"));
    assert.deepEqual((await d.sync()).deleted, []);
    assert.deepEqual(deletes(runner), []);
  });

  it("deletes everything a disabled bundled file applied, once, and retries what kubectl could not delete", async () => {
    const dir = tempRoot();
    const stateFile = join(tempRoot(), "state.json");
    writeFile(dir, "coredns.json", list(cm("coredns"), role("system:coredns")));
    await new ManifestDeployer({ dir, runner: kubectl(), kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger(), stateFile }).sync();
    // The next start with --disable coredns: the stager removed the file; the deployer is told.
    rmSync(join(dir, "coredns.json"));
    let failRole = true;
    const runner = new RecordingRunner((argv) => (failRole && argv.at(-1)!.startsWith("ClusterRole") ? { exitCode: 1, stderr: "error: the server is currently unable to handle the request" } : {}));
    const log = memoryLogger();
    const d = new ManifestDeployer({ dir, runner, kubectl: "kubectl", kubeconfig: "kc", log, stateFile, disabled: ["coredns.json"] });
    assert.deepEqual((await d.sync()).deleted, ["-n default ConfigMap/coredns"]);
    assert.ok(log.lines.some((l) => /deleting ClusterRole.*coredns.json is disabled.*unable to handle/.test(l)), log.lines.join("\n"));
    failRole = false;
    assert.deepEqual((await d.sync()).deleted, ["ClusterRole.v1.rbac.authorization.k8s.io/system:coredns"]);
    assert.deepEqual((await d.sync()).deleted, [], "nothing left to delete");
    assert.deepEqual(JSON.parse(readFileSync(stateFile, "utf8")), {});
  });
});
