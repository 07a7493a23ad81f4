// k3os.data_sources: the list of cloud data sources, written for the cloud-config service that
// probes them (as k3OS did: /etc/conf.d/cloud-config, command_args="aws cdrom").
import type { Applier } from "./context.ts";

export const applyDataSources: Applier = async (config, ctx) => {
  const sources = config.k3os?.data_sources ?? [];
  if (sources.length === 0) return;
  const bad = sources.filter((s) => !/^[a-z0-9_-]+$/i.test(s));
  if (bad.length > 0) throw new Error(`k3os.data_sources: invalid data source name(s): ${bad.join(", ")}`);
  await ctx.files.write("/etc/conf.d/cloud-config", `command_args="${sources.join(" ")}"\n`);
};
