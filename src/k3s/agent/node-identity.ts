// The node's name and addresses: from --node-name / --node-ip, else the host name and the address of
// the interface holding the default route (k3s does the same). Inputs are passed in so tests and
// network namespaces decide what the node sees.
import type { NetworkInterfaceInfo } from "node:os";
import type { Settings } from "../cli/settings.ts";

export interface NodeIdentity {
  nodeName: string;
  nodeIps: string[];
  /** The address the apiserver advertises to the cluster (the kubernetes Service endpoint). */
  advertiseIp: string;
}

/** The interface of the IPv4 default route in /proc/net/route, lowest metric first. */
export function defaultRouteInterface(procNetRoute: string): string | undefined {
  const routes = procNetRoute
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === "00000000" && f[7] === "00000000")
    .sort((a, b) => Number(a[6]) - Number(b[6]));
  return routes[0]?.[0];
}

export function interfaceAddress(
  name: string | undefined,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): string | undefined {
  const usable = (list: NetworkInterfaceInfo[] | undefined) => list?.find((a) => a.family === "IPv4" && !a.internal)?.address;
  if (name && interfaces[name]) return usable(interfaces[name]);
  for (const list of Object.values(interfaces)) {
    const a = usable(list);
    if (a) return a;
  }
  return undefined;
}

export function resolveNodeIdentity(
  s: Pick<Settings, "nodeName" | "nodeIp" | "nodeExternalIp"> & { advertiseAddress?: string | undefined },
  host: { hostname: string; procNetRoute: string; interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> },
): NodeIdentity {
  const nodeName = (s.nodeName ?? host.hostname).toLowerCase();
  let nodeIps = s.nodeIp;
  if (nodeIps.length === 0) {
    const ip = interfaceAddress(defaultRouteInterface(host.procNetRoute), host.interfaces);
    if (!ip) throw new Error("cannot find the node's IP address (no default route and no non-loopback IPv4 address); set --node-ip");
    nodeIps = [ip];
  }
  const advertiseIp = s.advertiseAddress ?? s.nodeExternalIp[0] ?? nodeIps[0]!;
  return { nodeName, nodeIps, advertiseIp };
}
