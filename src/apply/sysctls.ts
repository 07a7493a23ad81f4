// k3os.sysctls: write each value to /proc/sys/<key with dots as slashes> (names checked by resolve).
import { resolveSysctl } from "../config/resolve.ts";
import type { Applier } from "./context.ts";
import { forEachCollecting } from "./context.ts";

export const applySysctls: Applier = async (config, ctx) => {
  // One by one: a bad name is reported and the other sysctls are still set.
  await forEachCollecting(Object.entries(config.k3os?.sysctls ?? {}), async ([name, raw]) => {
    const { key, path, value } = resolveSysctl(name, raw);
    try {
      await ctx.files.writeInPlace(path, `${value}\n`);
    } catch (e) {
      throw new Error(`k3os.sysctls: cannot set ${key}=${value}: ${(e as Error).message}`);
    }
  });
};
