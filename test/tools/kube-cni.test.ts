// The CNI plugins of the multi-call `cni` binary, exec'd the way a runtime does (by their symlink's
// path, config on stdin, CNI_* in the environment), inside a mount + network + PID namespace this
// test makes: bridge delegates to host-local through CNI_PATH, loopback brings lo up, and a TCP
// server on the container's address answers the namespace's host side; DEL undoes the ADD.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ensureKubeComponents, type KubeComponents } from "../../builder/kube/build.ts";
import { Sandbox } from "./sandbox.ts";

const isRoot = process.getuid?.() === 0;
const netns = "/run/netns/k3os-cni-test";

// One connection over the bridge: a server in the container's namespace, a client on the host side
// that retries until the server listens. Both are this Node.js, so the test needs no ping or nc.
const server = `const s = require("net").createServer((c) => { c.end("pong"); s.close(); }).listen(7070, "10.213.7.2");
setTimeout(() => process.exit(1), 15000).unref();`;
const client = `const until = Date.now() + 10000;
const attempt = () => require("net").connect(7070, "10.213.7.2").on("data", (d) => { process.stdout.write(d); process.exit(0); })
  .on("error", () => (Date.now() < until ? setTimeout(attempt, 100) : process.exit(1)));
attempt();`;

describe("the cni binary in a namespace", { skip: isRoot ? false : "needs root (namespaces)" }, () => {
  let kube: KubeComponents;
  let work: string;
  let sandbox: Sandbox | undefined;

  before(async () => {
    kube = await ensureKubeComponents();
    work = await mkdtemp(join(tmpdir(), "k3os-cni-"));
    // PID 1 only waits: nothing in this namespace daemonizes.
    sandbox = await Sandbox.start(["sleep", "600"]);
    const added = sandbox.exec(["ip", "netns", "add", "k3os-cni-test"]);
    assert.equal(added.code, 0, added.out);
  });

  after(async () => {
    await sandbox?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Runs a plugin through its symlink as a runtime would; returns its parsed result on ADD. */
  async function plugin(name: string, command: "ADD" | "DEL", config: object): Promise<{ code: number | null; out: string; result?: Record<string, unknown> }> {
    const conf = join(work, `${name}-${command}.json`);
    await writeFile(conf, JSON.stringify({ cniVersion: "1.0.0", name: "k3os-test", ...config }));
    const env = { CNI_COMMAND: command, CNI_CONTAINERID: "k3os-cni-test", CNI_NETNS: netns, CNI_IFNAME: name === "loopback" ? "lo" : "eth0", CNI_PATH: kube.cniDir };
    const r = sandbox!.exec(["sh", "-c", 'exec "$0" <"$1"', kube.binaries[name]!, conf], env);
    return { code: r.code, out: r.out, result: command === "ADD" && r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined };
  }

  const bridgeConfig = {
    type: "bridge", bridge: "k3ostest0", isGateway: true, ipMasq: false,
    ipam: { type: "host-local", ranges: [[{ subnet: "10.213.7.0/24" }]], dataDir: "/run/k3os-cni-test/ipam" },
  };
  const inNetns = (...cmd: string[]) => sandbox!.exec(["ip", "netns", "exec", "k3os-cni-test", ...cmd]);

  test("loopback ADD brings lo up in the container's namespace", async () => {
    const r = await plugin("loopback", "ADD", { type: "loopback" });
    assert.equal(r.code, 0, r.out);
    assert.match(inNetns("ip", "-o", "link", "show", "lo").stdout, /[<,]UP[,>]/);
  });

  test("bridge ADD gets an address from host-local and the container is reachable over the bridge", async () => {
    const r = await plugin("bridge", "ADD", bridgeConfig);
    assert.equal(r.code, 0, r.out);
    const ips = (r.result?.ips ?? []) as { address: string; gateway?: string }[];
    assert.equal(ips[0]?.address, "10.213.7.2/24", r.out);
    assert.equal(ips[0]?.gateway, "10.213.7.1", r.out);
    assert.match(inNetns("ip", "-o", "-4", "addr", "show", "eth0").stdout, /inet 10\.213\.7\.2\/24/);
    const node = process.execPath;
    const talk = sandbox!.exec(["sh", "-c", 'ip netns exec k3os-cni-test "$0" -e "$1" & "$0" -e "$2"; r=$?; wait; exit $r', node, server, client]);
    assert.equal(talk.code, 0, talk.out);
    assert.equal(talk.stdout, "pong");
  });

  test("bridge DEL removes the container's interface and releases its address", async () => {
    const r = await plugin("bridge", "DEL", bridgeConfig);
    assert.equal(r.code, 0, r.out);
    assert.notEqual(inNetns("ip", "link", "show", "eth0").code, 0, "eth0 is still in the container's namespace");
    const leases = sandbox!.exec(["sh", "-c", "ls /run/k3os-cni-test/ipam/k3os-test"]).stdout.split("\n");
    assert.ok(!leases.includes("10.213.7.2"), `the address is still reserved: ${leases.join(" ")}`);
  });
});
