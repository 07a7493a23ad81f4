// k3os.modules: load kernel modules with modprobe.
import type { Applier } from "./context.ts";
import { forEachCollecting } from "./context.ts";

export const applyModules: Applier = async (config, ctx) => {
  const modules = config.k3os?.modules ?? [];
  if (modules.length === 0) return;
  if (!ctx.live && !ctx.runner.dryRun) {
    ctx.log.info(`modules: skipped loading ${modules.join(", ")} (root ${ctx.root} is not the running system)`);
    return;
  }
  await forEachCollecting(modules, async (m) => {
    await ctx.runner.run(["modprobe", "--", m]);
  });
};
