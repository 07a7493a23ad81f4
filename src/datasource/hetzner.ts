// Hetzner Cloud's metadata server: /hetzner/v1/metadata/hostname (text), .../public-keys (a JSON
// list of keys) and /hetzner/v1/userdata.
import { urlOf } from "./http.ts";
import type { Datasource, ProbeResult } from "./types.ts";
import { getOrAbsent, hostnameOf, parseJson, stringsOf } from "./values.ts";

export const HETZNER_BASE = "http://169.254.169.254";

export const hetzner: Datasource = {
  name: "hetzner",
  async probe(ctx): Promise<ProbeResult> {
    const base = ctx.baseUrl ?? HETZNER_BASE;
    const host = await getOrAbsent(ctx, urlOf(base, "hetzner/v1/metadata/hostname"));
    if (host === "absent") return "absent";
    const keysUrl = urlOf(base, "hetzner/v1/metadata/public-keys");
    const keys = await ctx.http.get(keysUrl);
    const list = keys ? parseJson(keys, keysUrl) : [];
    const userdata = await ctx.http.get(urlOf(base, "hetzner/v1/userdata"));
    const hostname = hostnameOf(host);
    return { ...(hostname ? { hostname } : {}), sshKeys: Array.isArray(list) ? stringsOf(list) : [], ...(userdata ? { userdata } : {}) };
  },
};
