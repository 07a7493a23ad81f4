// The image's /usr/bin/kubectl, crictl and ctr wrappers preset exactly what `k3s <tool>` presets.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { kubeBinaries } from "../../../src/k3s/layout/binaries.ts";
import { nodePaths } from "../../../src/k3s/layout/paths.ts";
import { toolInvocation, type Tool } from "../../../src/k3s/cli/tools.ts";
import { renderToolWrapper, WRAPPED_TOOLS } from "../../../src/k3s/layout/tool-wrappers.ts";

const root = mkdtempSync(join(tmpdir(), "k3os-wrappers-"));
after(() => rmSync(root, { recursive: true, force: true }));
const bins = kubeBinaries(join(root, "kube"));
const paths = nodePaths({ dataDir: "/var/lib/rancher/k3s", writeKubeconfig: "/etc/rancher/k3s/k3s.yaml" }, join(root, "node"));
const VARS = ["KUBECONFIG", "CONTAINER_RUNTIME_ENDPOINT", "IMAGE_SERVICE_ENDPOINT", "CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE"];

function put(path: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

// Stand-ins for the built tools (outside our code): print argv and the variables they were given.
const printer = `#!/bin/sh\necho "argv=$*"\n${VARS.map((v) => `echo "${v}=\${${v}:-}"`).join("\n")}\n`;
for (const p of [bins.applet("kubectl"), bins.crictl, bins.applet("ctr")]) put(p, printer, 0o755);

function runWrapper(tool: Tool, args: string[], env: Record<string, string>): Record<string, string> {
  const file = join(root, "wrappers", tool);
  put(file, renderToolWrapper(tool, bins, paths), 0o755);
  const r = spawnSync("sh", [file, ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

function expected(tool: Tool, args: string[], env: Record<string, string>): Record<string, string> {
  const inv = toolInvocation(tool, args, bins, paths, env);
  const merged: Record<string, string> = { ...env, ...inv.env };
  return { argv: args.join(" "), ...Object.fromEntries(VARS.map((v) => [v, merged[v] ?? ""])) };
}

describe("the image's tool wrappers", () => {
  const cases: [Tool, string[], Record<string, string>][] = [
    ["kubectl", ["get", "nodes"], {}],
    ["kubectl", ["get", "nodes"], { KUBECONFIG: "/mine" }],
    ["kubectl", ["--kubeconfig=/x", "get", "pods"], {}],
    ["kubectl", ["--kubeconfig", "/x", "get", "pods"], {}],
    ["crictl", ["ps"], {}],
    ["crictl", ["ps"], { CONTAINER_RUNTIME_ENDPOINT: "unix:///other.sock" }],
    ["ctr", ["images", "ls"], {}],
    ["ctr", ["images", "ls"], { CONTAINERD_NAMESPACE: "default" }],
  ];

  it("preset the same variables as `k3s kubectl|crictl|ctr` when no kubeconfig exists", () => {
    for (const [tool, args, env] of cases) assert.deepEqual(runWrapper(tool, args, env), expected(tool, args, env), `${tool} ${args.join(" ")} ${JSON.stringify(env)}`);
  });

  it("preset the same kubeconfig as `k3s kubectl` once the server's admin credentials and then k3s.yaml exist", () => {
    put(paths.server.cred.adminKubeconfig, "x");
    for (const [tool, args, env] of cases) assert.deepEqual(runWrapper(tool, args, env), expected(tool, args, env));
    assert.equal(runWrapper("kubectl", [], {}).KUBECONFIG, paths.server.cred.adminKubeconfig);
    put(paths.adminKubeconfig, "x");
    for (const [tool, args, env] of cases) assert.deepEqual(runWrapper(tool, args, env), expected(tool, args, env));
    assert.equal(runWrapper("kubectl", [], {}).KUBECONFIG, paths.adminKubeconfig);
  });

  it("cover every tool `k3s` wraps", () => {
    assert.deepEqual([...WRAPPED_TOOLS].sort(), ["crictl", "ctr", "kubectl"]);
  });
});
