// k3os.sysctls: write each value to /proc/sys/<key with dots as slashes>.
import type { Applier } from "./context.ts";
import { forEachCollecting } from "./context.ts";

export function sysctlPath(key: string): string {
  if (!/^[A-Za-z0-9_.\-/*]+$/.test(key) || key.split(/[./]/).some((p) => p === ".." || p === "")) {
    throw new Error(`k3os.sysctls: invalid sysctl name "${key}"`);
  }
  return `/proc/sys/${key.replaceAll(".", "/")}`;
}

export const applySysctls: Applier = async (config, ctx) => {
  const sysctls = Object.entries(config.k3os?.sysctls ?? {});
  await forEachCollecting(sysctls, async ([key, value]) => {
    try {
      await ctx.files.writeInPlace(sysctlPath(key), `${value}\n`);
    } catch (e) {
      throw new Error(`k3os.sysctls: cannot set ${key}=${value}: ${(e as Error).message}`);
    }
  });
};
