// A network lab for the namespaces tier: test hosts in network namespaces this test makes, joined
// by a bridge that lives in its own "switch" namespace, so no address is ever added to the host's
// own network namespace and all test traffic stays between namespaces the test made.
// Enter a host with `nsenter --net=/run/netns/NAME` (not `ip netns exec`, which remounts /sys and
// hides the cgroup mounts a kubelet needs).
import { randomBytes } from "node:crypto";
import { ProcessRunner, type RunOptions, type RunResult } from "../../src/exec/runner.ts";

const runner = new ProcessRunner();
const ip = (...args: string[]) => runner.run(["ip", ...args]);

export interface LabHost {
  name: string;
  netns: string;
  address: string;
  /** argv prefix that runs a command in this host's network namespace. */
  enter: string[];
}

export class NetLab {
  readonly hosts: LabHost[] = [];
  private constructor(
    readonly id: string,
    readonly switchNs: string,
    readonly subnet: string,
  ) {}

  /** A lab whose hosts get addresses `${subnet}.N/24`. */
  static async create(subnet = "10.213.0"): Promise<NetLab> {
    const id = randomBytes(3).toString("hex");
    const lab = new NetLab(id, `k3os-${id}-sw`, subnet);
    await ip("netns", "add", lab.switchNs);
    try {
      await lab.inSwitch("ip", "link", "add", "br0", "type", "bridge");
      await lab.inSwitch("ip", "link", "set", "br0", "up");
      await lab.inSwitch("ip", "link", "set", "lo", "up");
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private inSwitch(...argv: string[]): Promise<RunResult> {
    return runner.run(["nsenter", `--net=/run/netns/${this.switchNs}`, ...argv]);
  }

  async addHost(name: string, index: number): Promise<LabHost> {
    const netns = `k3os-${this.id}-${name}`;
    const hostIf = `v${this.id}h${index}`;
    const swIf = `v${this.id}s${index}`;
    const address = `${this.subnet}.${index}`;
    await ip("netns", "add", netns);
    const host: LabHost = { name, netns, address, enter: ["nsenter", `--net=/run/netns/${netns}`] };
    this.hosts.push(host);
    await ip("link", "add", hostIf, "type", "veth", "peer", "name", swIf);
    await ip("link", "set", swIf, "netns", this.switchNs);
    await ip("link", "set", hostIf, "netns", netns);
    await this.inSwitch("ip", "link", "set", swIf, "master", "br0", "up");
    const inHost = (...argv: string[]) => runner.run([...host.enter, ...argv]);
    await inHost("ip", "link", "set", "lo", "up");
    await inHost("ip", "link", "set", hostIf, "name", "eth0");
    await inHost("ip", "addr", "add", `${address}/24`, "dev", "eth0");
    await inHost("ip", "link", "set", "eth0", "up");
    await inHost("ip", "route", "add", "default", "dev", "eth0");
    return host;
  }

  run(host: LabHost, argv: string[], opts?: RunOptions): Promise<RunResult> {
    return runner.run([...host.enter, ...argv], opts);
  }

  /** Deletes every namespace of the lab (their veths go with them). */
  async destroy(): Promise<void> {
    for (const ns of [...this.hosts.map((h) => h.netns), this.switchNs]) {
      await runner.run(["ip", "netns", "del", ns], { allowFailure: true });
    }
  }
}

/** Network namespaces whose name marks them as a lab's, for leak checks. */
export async function labNamespaces(): Promise<string[]> {
  const { stdout } = await runner.run(["ip", "netns", "list"]);
  return stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith("k3os-"));
}
