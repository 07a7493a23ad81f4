// The orchestrator's tables (targets.ts) against the Go sources they describe, without building:
// the applets of k3os-kube and the plugins of cni are exactly the keys of their Go dispatch maps,
// and every generated upstream package is imported by one of them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { applets, cniName, cniPlugins, multicallName, upstreamDir, upstreamMains } from "../../../builder/kube/targets.ts";
import { kubeDir } from "../../../builder/kube/versions.ts";
import type { Applet } from "../../../src/k3s/layout/binaries.ts";

// The node runtime's Applet type names exactly the orchestrator's applets: tsc fails here otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const runtimeAppletsMatch: Same<Applet, (typeof applets)[number]> = true;

const mainGo = (cmd: string) => readFileSync(join(kubeDir, "cmd", cmd, "main.go"), "utf8");
const allGo = (cmd: string) => ["main.go", ...(cmd === multicallName ? ["crictl.go"] : [])].map((f) => readFileSync(join(kubeDir, "cmd", cmd, f), "utf8")).join("\n");

/** The string keys of a Go map literal `var NAME = map[string]...{ "key": value, ... }`. */
function goMapKeys(source: string, name: string): string[] {
  const body = source.match(new RegExp(`var ${name} = map\\[string\\][^{]*\\{([^}]*)\\}`))?.[1];
  assert.ok(body, `no map literal ${name}`);
  return [...body.matchAll(/^\s*"([^"]+)":/gm)].map((m) => m[1]!).sort();
}

test("k3os-kube's Go dispatch map has exactly the applets of targets.ts", () => {
  assert.deepEqual(goMapKeys(mainGo(multicallName), "applets"), [...applets].sort());
});

test("the node runtime's Applet type is the orchestrator's applet list (checked by tsc)", () => {
  assert.equal(runtimeAppletsMatch, true);
});

test("cni's Go dispatch map has exactly the plugins of targets.ts", () => {
  assert.deepEqual(goMapKeys(mainGo(cniName), "plugins"), [...cniPlugins].sort());
});

test("every generated upstream package is imported by the dispatcher that runs it", () => {
  for (const m of upstreamMains) {
    const cmd = (cniPlugins as readonly string[]).includes(m.name) ? cniName : multicallName;
    assert.ok(m.dir.startsWith(`${upstreamDir}/`), m.dir);
    assert.match(allGo(cmd), new RegExp(`"k3os/kube/${m.dir}"`), `cmd/${cmd} does not import ${m.dir}`);
    assert.match(allGo(cmd), new RegExp(`\\b${m.goPackage}\\.Main\\b`), `cmd/${cmd} does not call ${m.goPackage}.Main`);
  }
});
