// A k3s killed while writing a state file leaves the atomic write's temp file beside it; the next
// start sweeps them from every state directory and leaves the state files themselves alone.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, it } from "node:test";
import { tempPathFor } from "../../../src/system/atomic-write.ts";
import { makeDirs, stateDirs } from "../../../src/k3s/agent/prepare-agent.ts";
import { nodePaths } from "../../../src/k3s/layout/paths.ts";
import { tempRoot, writeFile } from "./helpers.ts";

describe("stale temp files of k3s's state", () => {
  it("are removed at start from the TLS, credential, agent, kubeconfig and node-password directories", () => {
    const root = tempRoot();
    const paths = nodePaths({ dataDir: "/var/lib/rancher/k3s", writeKubeconfig: "/etc/rancher/k3s/k3s.yaml" }, root);
    const targets = [paths.server.tls.serverCa.key, paths.server.cred.passwd, paths.server.token, paths.agent.kubeletConfig, paths.adminKubeconfig, join(root, "etc/rancher/node/password")];
    const temps = targets.map((t) => writeFile("/", tempPathFor(t), "half"));
    const kept = targets.map((t) => writeFile("/", t, "whole"));
    makeDirs(paths);
    for (const t of temps) assert.ok(!existsSync(t), `${basename(t)} in ${dirname(t)} was not swept`);
    for (const k of kept) assert.ok(existsSync(k), k);
    assert.ok(stateDirs(paths).includes(dirname(paths.server.tls.serverCa.key)));
  });
});
