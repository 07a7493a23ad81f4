// k3os.environment: /etc/environment for login shells and the boot process, one `KEY=value` line
// each, the value quoted by the project's one shell quoting (src/system/shell.ts): bare when it is
// only safe characters, else single-quoted, so sh (and OpenRC, which sources files with sh) reads
// back every value unchanged. Names are checked by the resolve step. The k3s service's conf.d file
// holds the same lines (src/apply/k3s-service.ts).
import { resolveEnvironment } from "../config/resolve.ts";
import { quoteWord } from "../system/shell.ts";
import type { Applier } from "./context.ts";

export function renderEnvironmentFile(env: Record<string, string>): string {
  return Object.entries(resolveEnvironment({ k3os: { environment: env } }))
    .map(([k, v]) => `${k}=${quoteWord(v)}\n`)
    .join("");
}

export const applyEnvironment: Applier = async (config, ctx) => {
  const env = resolveEnvironment(config);
  if (Object.keys(env).length === 0) return;
  await ctx.files.write("/etc/environment", renderEnvironmentFile(env));
};
