// CoreDNS built from our own main (builder/kube/cmd/coredns) with a trimmed plugin set: its
// directive order is upstream's, it registers exactly the plugins it orders, and it serves the
// Corefile the node's bundled CoreDNS manifest renders, in a network namespace this test makes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ensureKubeComponents, type KubeComponents } from "../../builder/kube/build.ts";
import { goEnv } from "../../builder/kube/go-build.ts";
import { findGo } from "../../builder/kube/go-tool.ts";
import { Sandbox, waitFor } from "./sandbox.ts";
import { kubeDir, versionOf } from "../../builder/kube/versions.ts";
import { renderCorefile } from "../../src/k3s/deploy/coredns.ts";

const isRoot = process.getuid?.() === 0;

/** The string literals of a Go `var NAME = []string{ ... }` block. */
function goStringList(source: string, name: string): string[] {
  const block = source.match(new RegExp(`var ${name} = \\[\\]string\\{([^}]*)\\}`))?.[1];
  assert.ok(block, `no []string ${name} in the Go source`);
  return [...block.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

describe("trimmed CoreDNS", () => {
  let kube: KubeComponents;
  let ours: string[];

  before(async () => {
    kube = await ensureKubeComponents();
    ours = goStringList(await readFile(join(kubeDir, "cmd", "coredns", "main.go"), "utf8"), "directives");
  });

  test("its directives keep the order of upstream's generated zdirectives.go", async () => {
    const dir = spawnSync(findGo(), ["list", "-m", "-f", "{{.Dir}}", "github.com/coredns/coredns"], {
      cwd: kubeDir, encoding: "utf8", env: { ...process.env, ...goEnv(kube.versions, false) },
    });
    assert.equal(dir.status, 0, dir.stderr);
    const upstream = goStringList(await readFile(join(dir.stdout.trim(), "core", "dnsserver", "zdirectives.go"), "utf8"), "Directives");
    assert.deepEqual(upstream.filter((d) => ours.includes(d)), ours, "a directive is out of upstream's order or unknown upstream");
  });

  test("the binary registers exactly the plugins its directives order", () => {
    const r = spawnSync(kube.binaries.coredns!, ["-plugins"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const registered = r.stdout.split("\n").map((l) => l.trim()).filter(Boolean).sort();
    assert.deepEqual(registered, [...ours].sort());
  });

  test("the cloud and tracing plugins are not linked", () => {
    const r = spawnSync(kube.binaries.coredns!, ["-plugins"], { encoding: "utf8" });
    for (const p of ["route53", "azure", "clouddns", "trace", "etcd", "nomad"]) assert.doesNotMatch(r.stdout, new RegExp(`^${p}$`, "m"));
  });

  describe("serving the node's Corefile", { skip: isRoot ? false : "needs root (network namespace)" }, () => {
    let work: string;
    let sandbox: Sandbox | undefined;

    before(async () => {
      work = await mkdtemp(join(tmpdir(), "k3os-coredns-"));
      await writeFile(join(work, "NodeHosts"), "10.42.7.9 node-a\n");
      // Only loopback exists in the namespace: the upstream resolver is unreachable by design.
      await writeFile(join(work, "resolv.conf"), "nameserver 192.0.2.1\n");
      // The manifest's Corefile with the paths of this test and an API server that never answers:
      // the kubernetes plugin gives up waiting after its startup timeout and the server starts.
      const corefile = renderCorefile("cluster.local")
        .replace("/etc/coredns/NodeHosts", join(work, "NodeHosts"))
        .replace("/etc/resolv.conf", join(work, "resolv.conf"))
        .replace("pods insecure", "pods insecure\n      endpoint http://127.0.0.1:1");
      assert.notEqual(corefile, renderCorefile("cluster.local"));
      await writeFile(join(work, "Corefile"), corefile);
      sandbox = await Sandbox.start([kube.binaries.coredns!, "-conf", join(work, "Corefile")]);
    });
    after(async () => {
      await sandbox?.destroy();
      if (work) await rm(work, { recursive: true, force: true });
    });

    test("health answers OK and a NodeHosts name resolves over DNS", async () => {
      const s = sandbox!;
      await waitFor("CoreDNS health", () => s.exec(["busybox", "wget", "-q", "-O-", "http://127.0.0.1:8080/health"]).stdout.trim() === "OK", 30_000);
      // Port 53 opens only once the kubernetes plugin stops waiting for its API server (5 s).
      let last = "";
      const resolves = () => /Address:\s+10\.42\.7\.9/.test((last = s.exec(["busybox", "nslookup", "node-a.", "127.0.0.1"]).out));
      await waitFor("node-a to resolve", resolves, 30_000).catch((e: Error) => assert.fail(`${e.message}; nslookup printed:\n${last}`));
    });

    test("prometheus serves CoreDNS's metrics", () => {
      const r = sandbox!.exec(["busybox", "wget", "-q", "-O-", "http://127.0.0.1:9153/metrics"]);
      const version = versionOf(kube.versions, "coredns").slice(1).replaceAll(".", "\\.");
      assert.match(r.stdout, new RegExp(`^coredns_build_info\\{.*version="${version}"`, "m"), r.out.slice(0, 2000));
    });
  });
});
