// The k3s service's settings, from server_url, token, labels, taints, k3s_args and environment,
// written to /etc/conf.d/k3s-service for the OpenRC service `k3s-service` (which runs
// `k3s $command_args` with these variables exported). At runtime, a changed file restarts k3s
// if it is running; at boot the service is started later by OpenRC.
import type { Config } from "../config/schema.ts";
import type { Applier } from "./context.ts";
import { renderEnvironment } from "./environment.ts";

export const K3S_SERVICE = "k3s-service";
export const K3S_SERVICE_CONF = "/etc/conf.d/k3s-service";
export const MODE_FILE = "/run/k3os/mode";

/** Quotes one word for a POSIX shell (OpenRC evaluates command_args). */
export function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface K3sServiceSettings {
  args: string[];
  env: Record<string, string>;
}

export function k3sServiceSettings(config: Config, mode: string | undefined, version: string): K3sServiceSettings {
  const k = config.k3os ?? {};
  const args = [...(k.k3s_args ?? [])];
  if (args.length === 0) args.push(k.server_url ? "agent" : "server");
  if (args[0] !== "server" && args[0] !== "agent") {
    throw new Error(`k3os.k3s_args: the first argument must be "server" or "agent", got "${args[0]}"`);
  }
  const labels: Record<string, string> = { ...(k.labels ?? {}) };
  if (mode) labels["k3os.io/mode"] = mode;
  labels["k3os.io/version"] = version;
  for (const [key, value] of Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))) args.push("--node-label", `${key}=${value}`);
  for (const taint of k.taints ?? []) args.push("--node-taint", taint);
  const env: Record<string, string> = { ...(k.environment ?? {}) };
  if (k.server_url) env.K3S_URL = k.server_url;
  if (k.token) env.K3S_TOKEN = k.token;
  return { args, env };
}

export function renderK3sServiceConf(s: K3sServiceSettings): string {
  const env = renderEnvironment(s.env)
    .split("\n")
    .filter(Boolean)
    .map((l) => `export ${l}\n`)
    .join("");
  return (
    "# Written by `k3os config` from the k3os config at every boot; edit config.yaml, not this file.\n" +
    `command_args=${quoteWordForAssignment(s.args.map(quoteWord).join(" "))}\n` +
    env
  );
}

function quoteWordForAssignment(words: string): string {
  return `"${words.replace(/(["\\$`])/g, "\\$1")}"`;
}

export const applyK3sService: Applier = async (config, ctx) => {
  const mode = (await ctx.files.readText(MODE_FILE))?.trim() || undefined;
  const content = renderK3sServiceConf(k3sServiceSettings(config, mode, ctx.version));
  const before = await ctx.files.readText(K3S_SERVICE_CONF);
  await ctx.files.write(K3S_SERVICE_CONF, content, { mode: 0o600 });
  if (ctx.phase !== "runtime" || before === content) return;
  if (!ctx.live && !ctx.runner.dryRun) {
    ctx.log.info(`k3s: settings changed; restart skipped (root ${ctx.root} is not the running system)`);
    return;
  }
  await ctx.runner.run(["rc-service", "--ifstarted", K3S_SERVICE, "restart"]);
};
