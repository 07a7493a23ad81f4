// Idle memory of the BUILT OS booted natively in namespaces (test/namespaces/os-node.ts, as the
// namespaces tier boots it): a server and an agent node to Ready, then after N seconds idle the PSS
// summed over each whole node's processes, then the agent's OS alone once `rc-service k3s-service
// stop` and `k3s killall` have run. PSS leaves out kernel memory and page cache, which a VM also
// spends (the node part, builder/bench/node.ts, measures a VM). JSON on stdout; root.
import { rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { formatPss, pssByCommand } from "../builder/bench/pss.ts";
import { positiveInt, runMain } from "../builder/cli-args.ts";
import { NetLab } from "../test/namespaces/lab.ts";
import { bootOsNode, inNode, kubectl, nodePids, removeOsNode, unpackSystem, waitUntil, type OsNode, type OsSystem } from "../test/namespaces/os-node.ts";

const READY_MS = 600_000;
const TOKEN = "os-bench-secret";
const say = (line: string) => process.stderr.write(`bench-os: ${line}\n`);

const readyIn = (via: OsNode, name: string) => async () =>
  (await kubectl(via, ["get", "node", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])).stdout.trim() === "True";

async function mustRun(n: OsNode, argv: string[]): Promise<void> {
  const r = await inNode(n, argv);
  if (r.exitCode !== 0) throw new Error(`${n.name}: ${argv.join(" ")} failed (${r.exitCode}): ${r.stdout}${r.stderr}`);
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, strict: true, options: { "idle-seconds": { type: "string", default: "20" } } });
  const idleSeconds = positiveInt("--idle-seconds", values["idle-seconds"]);
  if (process.getuid?.() !== 0) throw new Error("needs root (namespaces, mounts, cgroups)");
  let system: OsSystem | undefined;
  let lab: NetLab | undefined;
  const nodes: OsNode[] = [];
  try {
    system = await unpackSystem();
    lab = await NetLab.create("10.219.0");
    const server = await bootOsNode(system, await lab.addDhcpHost("os-srv", 11), {
      name: "os-srv",
      config: { hostname: "os-srv", k3os: { token: TOKEN } },
    });
    nodes.push(server);
    await waitUntil("os-srv Ready", server, readyIn(server, "os-srv"), READY_MS, 2000);
    const serverReadyS = (Date.now() - server.startedAt) / 1000;
    say(`os-srv Ready ${serverReadyS.toFixed(1)} s after boot`);
    const agent = await bootOsNode(system, await lab.addDhcpHost("os-agent", 12), {
      name: "os-agent",
      config: { hostname: "os-agent", k3os: { server_url: `https://${server.host.address}:6443`, token: TOKEN } },
    });
    nodes.push(agent);
    await waitUntil("os-agent Ready", agent, readyIn(server, "os-agent"), READY_MS, 2000);
    const agentReadyS = (Date.now() - agent.startedAt) / 1000;
    say(`os-agent Ready ${agentReadyS.toFixed(1)} s after boot; ${idleSeconds} s idle`);
    await sleep(idleSeconds * 1000);
    const serverIdlePss = pssByCommand(nodePids(server));
    const agentIdlePss = pssByCommand(nodePids(agent));
    say(formatPss("os-srv", serverIdlePss));
    say(formatPss("os-agent", agentIdlePss));
    // Pods (and their shims) outlive k3s, as in k3s: `k3s killall` ends them.
    await mustRun(agent, ["rc-service", "k3s-service", "stop"]);
    await mustRun(agent, ["k3s", "killall"]);
    await sleep(10_000);
    const osAlonePss = pssByCommand(nodePids(agent));
    say(formatPss("os-agent without k3s", osAlonePss));
    process.stdout.write(`${JSON.stringify({ idleSeconds, serverBootToReadyS: Number(serverReadyS.toFixed(1)), agentBootToReadyS: Number(agentReadyS.toFixed(1)), serverIdlePss, agentIdlePss, osAlonePss }, null, 2)}\n`);
  } finally {
    for (const n of nodes.reverse()) await removeOsNode(n).catch((e: Error) => say(`removing ${n.name}: ${e.message}`));
    await lab?.destroy();
    if (system) await rm(system.dir, { recursive: true, force: true });
  }
}

runMain(
  {
    name: "bench-os",
    usage: "usage: node --import tsx scripts/bench-os.ts [--idle-seconds N]",
    details: "  As root, with the image built: the built OS as a server and an agent node in namespaces, N seconds idle\n  (default 20), the PSS of each whole node, then of the agent's OS alone after k3s-service stop + k3s killall.",
  },
  main,
);
