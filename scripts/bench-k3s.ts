// Figures for k3os's k3s runtime, as JSON on stdout: start to node Ready of a server (bundled
// CoreDNS and local-storage on), an agent's join to Ready, and the idle memory of each node (PSS
// summed over the processes of its PID namespace, from /proc/PID/smaps_rollup: RSS would count the
// shared multi-call binary once per process). Both nodes run in network + mount + PID namespaces
// this script makes (the namespaces tier's lab); nothing touches the host's own network.
// Run as root: node --import tsx scripts/bench-k3s.ts [--idle-seconds N]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pidsInNamespaceOf, pssByCommand, type NodePss } from "../builder/bench/pss.ts";
import { positiveInt, runMain } from "../builder/cli-args.ts";
import { ensureKubeComponents } from "../builder/kube/build.ts";
import { ensureNodeImages } from "../builder/kube/node-images.ts";
import { ProcessRunner } from "../src/exec/runner.ts";
import { NetLab } from "../test/namespaces/lab.ts";
import { k3sPid, kubectlIn, makeNode, nodeReady, removeNodes, startNode, stopNode, waitFor, type LabNode } from "../test/namespaces/node-runner.ts";

const runner = new ProcessRunner();

/** PSS of every process in the node's PID namespace (k3s and all it started). */
const nodePss = (n: LabNode): NodePss => pssByCommand(pidsInNamespaceOf(k3sPid(n)));

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, strict: true, options: { "idle-seconds": { type: "string", default: "30" } } });
  const idleSeconds = positiveInt("--idle-seconds", values["idle-seconds"]);
  const kube = await ensureKubeComponents({ log: (m) => process.stderr.write(`bench: ${m}\n`) });
  const images = await ensureNodeImages({ kube, log: (m) => process.stderr.write(`bench: ${m}\n`) });
  const lab = await NetLab.create("10.218.0");
  const nodes: LabNode[] = [];
  try {
    for (const [name, index] of [["srv", 11], ["agt", 12]] as const) {
      nodes.push(makeNode(await lab.addHost(name, index), { name, kubeDir: kube.dir, prefix: "k3s-bench", images: Object.values(images.images).map((i) => i.archive) }));
    }
    const [srv, agt] = nodes as [LabNode, LabNode];
    // Polled every 200 ms with the kubectl applet straight from the host: a poll costs milliseconds.
    const poll = (what: string, check: () => Promise<boolean>) => waitFor(what, nodes, check, 300_000, 200);
    startNode(srv, ["server", "--token", "benchtoken"]);
    const serverReadyMs = await poll("server Ready", nodeReady(srv, "srv"));
    const corednsReadyMs = serverReadyMs + (await poll("CoreDNS available", async () => (await kubectlIn(srv, ["-n", "kube-system", "get", "deployment", "coredns", "-o", "jsonpath={.status.readyReplicas}"])).stdout.trim() === "1"));
    const token = readFileSync(join(srv.root, "var/lib/rancher/k3s/server/token"), "utf8").trim();
    startNode(agt, ["agent", "--server", `https://${srv.host.address}:6443`, "--token", token]);
    const agentJoinReadyMs = await poll("agent Ready", nodeReady(srv, "agt"));
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const result = {
      host: { cpus: (await runner.run(["nproc"])).stdout.trim(), kernel: (await runner.run(["uname", "-r"])).stdout.trim() },
      serverStartToReadyMs: serverReadyMs,
      serverStartToCorednsReadyMs: corednsReadyMs,
      agentStartToReadyMs: agentJoinReadyMs,
      idleSeconds,
      serverIdlePss: nodePss(srv),
      agentIdlePss: nodePss(agt),
      agentStopMs: await stopNode(agt),
      serverStopMs: await stopNode(srv),
      note: "start = spawning `k3s` (node + tsx from source); Ready polled every 200 ms with kubectl; stop = SIGTERM to exit",
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const n of [...nodes].reverse()) await stopNode(n).catch(() => -1);
    await removeNodes(nodes);
    await lab.destroy();
  }
}

runMain(
  {
    name: "bench-k3s",
    usage: "usage: node --import tsx scripts/bench-k3s.ts [--idle-seconds N]",
    details: "  As root: a k3s server and an agent (from source) to Ready in namespaces, then N seconds idle (default 30)\n  and the PSS of each node. JSON on stdout.",
  },
  main,
);
