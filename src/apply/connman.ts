// Networking helpers for connman, with the content k3OS wrote:
//   k3os.dns_nameservers / k3os.ntp_servers → /etc/connman/main.conf fallbacks;
//   k3os.wifi → /var/lib/connman/cloud-config.config services.
// Values are checked (IP addresses, host names, one line each) and defaulted by config/resolve.ts.
import { resolveConnman } from "../config/resolve.ts";
import type { Applier } from "./context.ts";

export function renderConnmanMain(dns: readonly string[], ntp: readonly string[]): string {
  let out = "[General]\nNetworkInterfaceBlacklist=veth,cni,flannel\n";
  out += `FallbackNameservers=${dns.join(",")}\n`;
  if (ntp.length > 0) out += `FallbackTimeservers=${ntp.join(",")}\n`;
  return out;
}

export function renderWifi(networks: readonly { name: string; passphrase: string }[]): string {
  let out = "[global]\nName=cloud-config\nDescription=Services defined in the cloud-config\n";
  for (const [i, w] of networks.entries()) {
    out += `\n[service_wifi${i}]\nType=wifi\nName=${w.name}\nPassphrase=${w.passphrase}\n`;
  }
  return out;
}

export const applyDns: Applier = async (config, ctx) => {
  const { dns, ntp } = resolveConnman(config);
  await ctx.files.write("/etc/connman/main.conf", renderConnmanMain(dns, ntp));
};

export const applyWifi: Applier = async (config, ctx) => {
  const { wifi } = resolveConnman(config);
  if (wifi.length === 0) return;
  await ctx.files.write("/var/lib/connman/cloud-config.config", renderWifi(wifi), { mode: 0o600 });
};
