// k3os.environment: /etc/environment for login shells and the boot process (KEY="value" lines).
// The same variables reach k3s through its service settings (k3s-service.ts).
import type { Applier } from "./context.ts";

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function shellQuote(value: string): string {
  return `"${value.replace(/(["\\$`])/g, "\\$1")}"`;
}

export function renderEnvironment(env: Record<string, string>): string {
  const bad = Object.keys(env).filter((k) => !NAME_RE.test(k));
  if (bad.length > 0) throw new Error(`k3os.environment: invalid variable name(s): ${bad.join(", ")}`);
  return Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}\n`).join("");
}

export const applyEnvironment: Applier = async (config, ctx) => {
  const env = config.k3os?.environment ?? {};
  if (Object.keys(env).length === 0) return;
  await ctx.files.write("/etc/environment", renderEnvironment(env));
};
