// flannel's configuration and the CNI network config. The flannel CNI plugin cannot be had (its
// module is refused), so the conflist uses the standard bridge + host-local + portmap plugins with
// the subnet flannel leases for this node (read from /run/flannel/subnet.env).
import type { NodeIdentity } from "../agent/node-identity.ts";
import type { NodePaths } from "../layout/paths.ts";
import type { Settings } from "../cli/settings.ts";
import { parseCidr, formatIp } from "../util/net-util.ts";

export function renderFlannelNetConf(s: Pick<Settings, "clusterCidr" | "flannelBackend">): string {
  const v4 = s.clusterCidr.find((c) => !c.includes(":"));
  const v6 = s.clusterCidr.find((c) => c.includes(":"));
  const conf: Record<string, unknown> = {
    Network: v4 ?? "0.0.0.0/0",
    EnableIPv4: v4 !== undefined,
    EnableIPv6: v6 !== undefined,
    Backend: { Type: s.flannelBackend },
  };
  if (v6) conf.IPv6Network = v6;
  return `${JSON.stringify(conf, null, 2)}\n`;
}

export function flanneldArgs(input: {
  settings: Pick<Settings, "flannelIface">;
  paths: NodePaths;
  identity: NodeIdentity;
}): { argv: string[]; env: Record<string, string> } {
  const argv = [
    "--kube-subnet-mgr",
    `--kubeconfig-file=${input.paths.agent.k3scontrollerKubeconfig}`,
    `--net-config-path=${input.paths.agent.flannelNetConf}`,
    `--subnet-file=${input.paths.run.flannelSubnetEnv}`,
    "--ip-masq",
  ];
  if (input.settings.flannelIface) argv.push(`--iface=${input.settings.flannelIface}`);
  else argv.push(`--public-ip=${input.identity.nodeIps[0]}`);
  return { argv, env: { NODE_NAME: input.identity.nodeName } };
}

export interface NodeSubnet {
  /** This node's pod network, e.g. 10.42.0.0/24. */
  subnet: string;
  /** The bridge's address, first of the subnet: 10.42.0.1. */
  gateway: string;
  mtu: number;
}

/** Reads flannel's subnet.env (FLANNEL_SUBNET=10.42.0.1/24, FLANNEL_MTU=1450, ...). */
export function parseSubnetEnv(text: string): NodeSubnet {
  const vars = Object.fromEntries(
    text
      .split("\n")
      .map((l) => l.trim().match(/^([A-Z0-9_]+)=(.*)$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  const sub = vars.FLANNEL_SUBNET;
  if (!sub) throw new Error("subnet.env has no FLANNEL_SUBNET");
  const gateway = sub.split("/")[0]!;
  const c = parseCidr(sub);
  return { subnet: `${formatIp(c.family, c.base)}/${c.prefix}`, gateway, mtu: Number(vars.FLANNEL_MTU ?? 1500) };
}

/** A node subnet from the Node's spec.podCIDR, for --flannel-backend=none. */
export function subnetFromPodCidr(podCidr: string, mtu = 1500): NodeSubnet {
  const c = parseCidr(podCidr);
  return { subnet: `${formatIp(c.family, c.base)}/${c.prefix}`, gateway: formatIp(c.family, c.base + 1n), mtu };
}

export function renderCniConflist(n: NodeSubnet, paths: NodePaths): string {
  const conf = {
    cniVersion: "1.0.0",
    name: "cbr0",
    plugins: [
      {
        type: "bridge",
        bridge: "cni0",
        isGateway: true,
        // flanneld --ip-masq already masquerades traffic leaving the cluster network.
        ipMasq: false,
        hairpinMode: true,
        forceAddress: true,
        mtu: n.mtu,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: n.subnet, gateway: n.gateway }]],
          routes: [{ dst: n.subnet.includes(":") ? "::/0" : "0.0.0.0/0" }],
          dataDir: `${paths.cniDataDir}/networks`,
        },
      },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
    ],
  };
  return `${JSON.stringify(conf, null, 2)}\n`;
}
