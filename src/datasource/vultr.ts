// Vultr's metadata server: its native /v1 tree for the hostname and keys (plain text, one key a
// line), and userdata at the EC2-compatible path it also serves.
import { urlOf } from "./http.ts";
import type { Datasource, ProbeResult } from "./types.ts";
import { getOrAbsent, hostnameOf, keyLines } from "./values.ts";

export const VULTR_BASE = "http://169.254.169.254";

export const vultr: Datasource = {
  name: "vultr",
  async probe(ctx): Promise<ProbeResult> {
    const base = ctx.baseUrl ?? VULTR_BASE;
    const host = await getOrAbsent(ctx, urlOf(base, "v1/hostname"));
    if (host === "absent") return "absent";
    const keys = await ctx.http.get(urlOf(base, "v1/public-keys"));
    const userdata = await ctx.http.get(urlOf(base, "latest/user-data"));
    const hostname = hostnameOf(host);
    return { ...(hostname ? { hostname } : {}), sshKeys: keyLines(keys?.toString("utf8") ?? ""), ...(userdata ? { userdata } : {}) };
  },
};
