// hostname: the kernel's hostname, /etc/hostname and the 127.0.1.1 line of /etc/hosts.
// Without a configured hostname, the first boot picks `k3os-NNNNN` and keeps it in
// /var/lib/rancher/k3os/hostname so the node keeps its name (and its Kubernetes identity).
import { randomInt } from "node:crypto";
import { hostnameProblem } from "../config/checks.ts";
import { resolveHostname } from "../config/resolve.ts";
import type { Applier, ApplyContext } from "./context.ts";

export const PERSISTED_HOSTNAME = "/var/lib/rancher/k3os/hostname";

export function generateHostname(): string {
  return `k3os-${String(randomInt(0, 100000)).padStart(5, "0")}`;
}

/** /etc/hosts with the 127.0.1.1 line naming the host (added when missing). */
export function renderHosts(current: string | null, hostname: string): string {
  const lines = (current ?? "127.0.0.1\tlocalhost\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let found = false;
  const out = lines.map((line) => {
    if (line.trim().split(/\s+/)[0] === "127.0.1.1") {
      found = true;
      return `127.0.1.1\t${hostname}`;
    }
    return line;
  });
  if (!found) out.push(`127.0.1.1\t${hostname}`);
  return `${out.join("\n")}\n`;
}

async function chooseHostname(configured: string | undefined, ctx: ApplyContext): Promise<string | undefined> {
  if (configured) return configured;
  const persisted = (await ctx.files.readText(PERSISTED_HOSTNAME))?.trim();
  if (persisted) return persisted;
  // In the initrd the persistent /var may not be mounted yet: name the node at boot.
  if (ctx.phase === "initrd") return undefined;
  const name = generateHostname();
  await ctx.files.write(PERSISTED_HOSTNAME, `${name}\n`);
  ctx.log.info(`hostname: none configured, named this node ${name} (kept in ${PERSISTED_HOSTNAME})`);
  return name;
}

export const applyHostname: Applier = async (config, ctx) => {
  const hostname = await chooseHostname(resolveHostname(config), ctx);
  if (!hostname) return;
  // A persisted name is the node's own file, not config: it is checked the same way before use.
  const problem = hostnameProblem(hostname);
  if (problem) throw new Error(`hostname: ${problem} (in ${PERSISTED_HOSTNAME})`);
  await ctx.files.writeInPlace("/proc/sys/kernel/hostname", `${hostname}\n`);
  await ctx.files.write("/etc/hostname", `${hostname}\n`);
  await ctx.files.write("/etc/hosts", renderHosts(await ctx.files.readText("/etc/hosts"), hostname));
};
