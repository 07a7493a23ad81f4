// A network lab for the namespaces tier: test hosts in network namespaces this test makes, joined
// by a bridge that lives in its own "switch" namespace, so no address is ever added to the host's
// own network namespace and all test traffic stays between namespaces the test made.
// Enter a host with `nsenter --net=/run/netns/NAME` (not `ip netns exec`, which remounts /sys and
// hides the cgroup mounts a kubelet needs).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/** busybox's DHCP server (busybox-static, which the node images' build installs, carries it). */
const BUSYBOX = "/bin/busybox";

export class NetLab {
  readonly hosts: LabHost[] = [];
  private dhcpd?: ChildProcess;
  private dhcpDir?: string;
  private readonly dhcpLeases: string[] = [];
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
    const host = await this.plugHost(name, index);
    const inHost = (...argv: string[]) => runner.run([...host.enter, ...argv]);
    await inHost("ip", "link", "set", "lo", "up");
    await inHost("ip", "addr", "add", `${host.address}/24`, "dev", "eth0");
    await inHost("ip", "link", "set", "eth0", "up");
    await inHost("ip", "route", "add", "default", "dev", "eth0");
    return host;
  }

  /**
   * A host whose eth0 is left down and unconfigured, as a machine's NIC at power-on: the OS it
   * boots brings it up and asks the lab's DHCP server, which leases it `${subnet}.N` by its MAC
   * address, so the test knows the address in advance. The first such host starts the server.
   */
  async addDhcpHost(name: string, index: number): Promise<LabHost> {
    const host = await this.plugHost(name, index);
    this.dhcpLeases.push(`static_lease ${this.mac(index)} ${host.address}`);
    await this.serveDhcp();
    return host;
  }

  /** A veth pair from the switch's bridge to a new namespace, where it is eth0 with a fixed MAC. */
  private async plugHost(name: string, index: number): Promise<LabHost> {
    const netns = `k3os-${this.id}-${name}`;
    const hostIf = `v${this.id}h${index}`;
    const swIf = `v${this.id}s${index}`;
    await ip("netns", "add", netns);
    const host: LabHost = { name, netns, address: `${this.subnet}.${index}`, enter: ["nsenter", `--net=/run/netns/${netns}`] };
    this.hosts.push(host);
    await ip("link", "add", hostIf, "address", this.mac(index), "type", "veth", "peer", "name", swIf);
    await ip("link", "set", swIf, "netns", this.switchNs);
    await ip("link", "set", hostIf, "netns", netns);
    await this.inSwitch("ip", "link", "set", swIf, "master", "br0", "up");
    await runner.run([...host.enter, "ip", "link", "set", hostIf, "name", "eth0"]);
    return host;
  }

  /** A locally administered MAC (02:...) naming the lab and the host index. */
  private mac(index: number): string {
    return `02:${this.id.match(/../g)!.join(":")}:00:${index.toString(16).padStart(2, "0")}`;
  }

  /**
   * busybox udhcpd on the switch's bridge at `${subnet}.1`, also the leases' router: the switch
   * namespace forwards nothing, so a node's default route leads nowhere outside the lab. Static
   * leases only (the pool is one address no host gets). udhcpd reads them at start only, so each
   * new host restarts it; a lease already given stays the same address.
   */
  private async serveDhcp(): Promise<void> {
    if (!this.dhcpDir) {
      await this.inSwitch("ip", "addr", "add", `${this.subnet}.1/24`, "dev", "br0");
      this.dhcpDir = mkdtempSync(join(tmpdir(), `k3os-lab-${this.id}-dhcp-`));
    }
    await this.stopDhcp();
    const dir = this.dhcpDir;
    const conf = [
      `start ${this.subnet}.250`, `end ${this.subnet}.250`, "interface br0", "max_leases 1",
      `lease_file ${join(dir, "leases")}`, `pidfile ${join(dir, "udhcpd.pid")}`,
      "option subnet 255.255.255.0", `option router ${this.subnet}.1`, "option lease 86400", ...this.dhcpLeases,
    ];
    writeFileSync(join(dir, "udhcpd.conf"), `${conf.join("\n")}\n`);
    const proc = spawn("nsenter", [`--net=/run/netns/${this.switchNs}`, BUSYBOX, "udhcpd", "-f", join(dir, "udhcpd.conf")], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    proc.stderr!.on("data", (d: Buffer) => (err += d));
    this.dhcpd = proc;
    await new Promise((r) => setTimeout(r, 300));
    if (proc.exitCode !== null) throw new Error(`udhcpd exited (${proc.exitCode}) at start: ${err}`);
  }

  private async stopDhcp(): Promise<void> {
    const p = this.dhcpd;
    this.dhcpd = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await gone;
  }

  run(host: LabHost, argv: string[], opts?: RunOptions): Promise<RunResult> {
    return runner.run([...host.enter, ...argv], opts);
  }

  /** Deletes every namespace of the lab (their veths go with them). */
  async destroy(): Promise<void> {
    await this.stopDhcp();
    if (this.dhcpDir) rmSync(this.dhcpDir, { recursive: true, force: true });
    for (const ns of [...this.hosts.map((h) => h.netns), this.switchNs]) {
      await runner.run(["ip", "netns", "del", ns], { allowFailure: true });
    }
  }
}

/** Network namespaces whose name marks them as a lab's (or as the given lab's: other test runs on
 * the same machine make and remove labs of their own meanwhile), for leak checks. */
export async function labNamespaces(lab?: NetLab): Promise<string[]> {
  const { stdout } = await runner.run(["ip", "netns", "list"]);
  const prefix = lab ? `k3os-${lab.id}-` : "k3os-";
  return stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith(prefix));
}
