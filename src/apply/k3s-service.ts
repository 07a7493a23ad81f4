// The k3s service's settings, from server_url, token, labels, taints, k3s_args and environment.
// k3s flags go where k3s reads them, its own config format: /etc/rancher/k3s/config.yaml.d/
// 10-k3os.yaml (lists as `key+:`, so they add to what the user's config.yaml says). Only what must
// be the service's stays in /etc/conf.d/k3s-service: the command line (server or agent, and
// k3s_args as given), the environment (proxies), and whether to wait for a default route.
// At runtime a changed setting restarts k3s if it is running; at boot OpenRC starts it later.
// The values are checked and defaulted by config/resolve.ts (resolveK3sService); this applier only
// adds what the node says (its mode file, the user's k3s config files) and writes.
import { parse, stringify } from "yaml";
import { resolveK3sService } from "../config/resolve.ts";
import type { Config } from "../config/schema.ts";
import { dropInDir, isDropInName } from "../k3s/layout/config-files.ts";
import { K3S_DEFAULTS } from "../k3s/layout/defaults.ts";
import { quoteArgv, quoteWord } from "../system/shell.ts";
import type { Applier } from "./context.ts";
import { renderEnvironmentFile } from "./environment.ts";

export const K3S_SERVICE = "k3s-service";
export const K3S_SERVICE_CONF = "/etc/conf.d/k3s-service";
export const K3S_CONFIG = K3S_DEFAULTS.configFile;
export const K3OS_K3S_DROP_IN = `${dropInDir(K3S_CONFIG)}/10-k3os.yaml`;
export const MODE_FILE = "/run/k3os/mode";
/**
 * The admin kubeconfig's group: rancher (its only member) reads /etc/rancher/k3s/k3s.yaml, so
 * `kubectl` works for the user k3OS says to log in as, and the credentials are not world-readable.
 */
export const KUBECONFIG_GROUP = "rancher";
export const KUBECONFIG_MODE = "0640";

export interface K3sServiceSettings {
  /** k3s's command line: server or agent, then k3s_args as given. */
  args: string[];
  /** k3s flags by config-file key (no dashes); lists add to earlier files' (`key+`). */
  flags: Record<string, string | string[]>;
  env: Record<string, string>;
}

/** The resolved k3s settings (config/resolve.ts) with what comes from the node: its mode and k3os version as labels. */
export function k3sServiceSettings(config: Config, mode: string | undefined, version: string): K3sServiceSettings {
  const k = resolveK3sService(config);
  const labels: Record<string, string> = { ...k.labels };
  if (mode) labels["k3os.io/mode"] = mode;
  labels["k3os.io/version"] = version;
  const flags: Record<string, string | string[]> = {};
  if (k.server_url) flags.server = k.server_url;
  if (k.token) flags.token = k.token;
  flags["node-label+"] = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => `${key}=${value}`);
  if (k.taints.length) flags["node-taint+"] = k.taints;
  if (k.role === "server") {
    flags["write-kubeconfig-mode"] = KUBECONFIG_MODE;
    flags["write-kubeconfig-group"] = KUBECONFIG_GROUP;
  }
  return { args: k.args, flags, env: k.environment };
}

export function renderK3sDropIn(s: K3sServiceSettings): string {
  return `# Written by \`k3os config\` from the k3os config at every boot; edit config.yaml, not this file.\n${stringify(s.flags)}`;
}

/**
 * k3s takes the node's IP from the default route's interface, so the service waits for one
 * (DHCP) unless the node IP is given: in k3s_args or in a k3s config file the user wrote.
 */
export function nodeIpGiven(args: readonly string[], k3sConfigs: readonly string[]): boolean {
  if (args.some((a) => /^(-i|--node-ip)(=|$)/.test(a))) return true;
  return k3sConfigs.some((text) => {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      return false; // k3s itself reports a broken file when it starts
    }
    return typeof doc === "object" && doc !== null && Object.keys(doc).some((key) => /^(i|node-ip)\+?$/.test(key));
  });
}

/**
 * The conf.d file OpenRC sources with sh: every word quoted by src/system/shell.ts. command_args is
 * quoted twice (OpenRC evals it into the argv); the environment is /etc/environment's lines, then
 * exported so k3s (a child) sees it.
 */
export function renderK3sServiceConf(s: K3sServiceSettings, waitForRoute: boolean): string {
  const names = Object.keys(s.env);
  return (
    "# Written by `k3os config` from the k3os config at every boot; edit config.yaml, not this file.\n" +
    `# k3s's flags from the k3os config are in ${K3OS_K3S_DROP_IN}.\n` +
    `command_args=${quoteWord(quoteArgv(s.args))}\n` +
    `wait_for_route=${waitForRoute ? "yes" : "no"}\n` +
    renderEnvironmentFile(s.env) +
    (names.length > 0 ? `export ${names.join(" ")}\n` : "")
  );
}

/** The user's k3s config files (config.yaml and drop-ins other than ours), unreadable ones left out. */
async function readUserK3sConfigs(ctx: Parameters<Applier>[1]): Promise<string[]> {
  const dir = dropInDir(K3S_CONFIG);
  const files = [K3S_CONFIG, ...(await ctx.files.list(dir)).filter(isDropInName).map((n) => `${dir}/${n}`)];
  const texts: string[] = [];
  for (const f of files) {
    if (f === K3OS_K3S_DROP_IN) continue;
    const text = await ctx.files.readText(f).catch(() => null);
    if (text !== null) texts.push(text);
  }
  return texts;
}

export const applyK3sService: Applier = async (config, ctx) => {
  const mode = (await ctx.files.readText(MODE_FILE))?.trim() || undefined;
  const settings = k3sServiceSettings(config, mode, ctx.version);
  const waitForRoute = !nodeIpGiven(settings.args, await readUserK3sConfigs(ctx).catch(() => []));
  const conf = renderK3sServiceConf(settings, waitForRoute);
  const dropIn = renderK3sDropIn(settings);
  const before = [await ctx.files.readText(K3S_SERVICE_CONF), await ctx.files.readText(K3OS_K3S_DROP_IN)];
  // Both hold the token: root only.
  await ctx.files.write(K3OS_K3S_DROP_IN, dropIn, { mode: 0o600 });
  await ctx.files.write(K3S_SERVICE_CONF, conf, { mode: 0o600 });
  if (ctx.phase !== "runtime" || (before[0] === conf && before[1] === dropIn)) return;
  if (!ctx.live && !ctx.runner.dryRun) {
    ctx.log.info(`k3s: settings changed; restart skipped (root ${ctx.root} is not the running system)`);
    return;
  }
  await ctx.runner.run(["rc-service", "--ifstarted", K3S_SERVICE, "restart"]);
};
