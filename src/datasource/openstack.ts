// OpenStack's metadata service, its native paths (the EC2-compatible ones are what `aws` reads).
import { urlOf } from "./http.ts";
import { parseOpenstackMetadata } from "./openstack-metadata.ts";
import type { Datasource, ProbeResult } from "./types.ts";
import { getOrAbsent } from "./values.ts";

export const OPENSTACK_BASE = "http://169.254.169.254";

export const openstack: Datasource = {
  name: "openstack",
  async probe(ctx): Promise<ProbeResult> {
    const base = ctx.baseUrl ?? OPENSTACK_BASE;
    const url = urlOf(base, "openstack/latest/meta_data.json");
    const meta = await getOrAbsent(ctx, url);
    if (meta === "absent") return "absent";
    const userdata = await ctx.http.get(urlOf(base, "openstack/latest/user_data"));
    return { ...parseOpenstackMetadata(meta, url), ...(userdata ? { userdata } : {}) };
  },
};
