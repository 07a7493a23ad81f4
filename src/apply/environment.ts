// k3os.environment: /etc/environment for login shells and the boot process, one `KEY=value` line
// each, the value quoted by the project's one shell quoting (src/system/shell.ts): bare when it is
// only safe characters, else single-quoted, so sh (and OpenRC, which sources files with sh) reads
// back every value unchanged. Names are checked by the resolve step.
import { resolveEnvironment } from "../config/resolve.ts";
import { quoteDoubled, quoteWord } from "../system/shell.ts";
import type { Applier } from "./context.ts";

export function renderEnvironmentFile(env: Record<string, string>): string {
  return Object.entries(resolveEnvironment({ k3os: { environment: env } }))
    .map(([k, v]) => `${k}=${quoteWord(v)}\n`)
    .join("");
}

/**
 * `KEY="value"` lines, the form src/apply/k3s-service.ts exports into its conf.d file. Kept for that
 * applier (being rewritten elsewhere) until it renders its file with src/system/shell.ts itself.
 */
export function renderEnvironment(env: Record<string, string>): string {
  return Object.entries(resolveEnvironment({ k3os: { environment: env } }))
    .map(([k, v]) => `${k}=${quoteDoubled(v)}\n`)
    .join("");
}

export const applyEnvironment: Applier = async (config, ctx) => {
  const env = resolveEnvironment(config);
  if (Object.keys(env).length === 0) return;
  await ctx.files.write("/etc/environment", renderEnvironmentFile(env));
};
