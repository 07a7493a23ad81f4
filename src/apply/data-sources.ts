// k3os.data_sources: the list of cloud data sources, written for the cloud-config service that
// probes them (as k3OS did: /etc/conf.d/cloud-config, command_args="aws cdrom"). The names are
// checked by resolve (letters, digits, '-', '_'), so they need no quoting inside the double quotes.
import { resolveDataSources } from "../config/resolve.ts";
import type { Applier } from "./context.ts";

export const applyDataSources: Applier = async (config, ctx) => {
  const sources = resolveDataSources(config);
  if (sources.length === 0) return;
  await ctx.files.write("/etc/conf.d/cloud-config", `command_args="${sources.join(" ")}"\n`);
};
