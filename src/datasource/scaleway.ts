// Scaleway's metadata server on 169.254.42.42: /conf?format=json has "hostname" and
// "ssh_public_keys" ([{key, fingerprint}]). Userdata is served only to connections from a source
// port below 1024 (so only root on the instance can read it), at /user_data/cloud-init.
import { urlOf } from "./http.ts";
import type { Datasource, ProbeResult } from "./types.ts";
import { getOrAbsent, hostnameOf, parseJsonObject, stringsOf } from "./values.ts";

export const SCALEWAY_BASE = "http://169.254.42.42";

export const scaleway: Datasource = {
  name: "scaleway",
  async probe(ctx): Promise<ProbeResult> {
    const base = ctx.baseUrl ?? SCALEWAY_BASE;
    const url = urlOf(base, "conf?format=json");
    const meta = await getOrAbsent(ctx, url);
    if (meta === "absent") return "absent";
    const data = parseJsonObject(meta, url);
    const keys = Array.isArray(data.ssh_public_keys)
      ? data.ssh_public_keys.flatMap((k: unknown) => (k && typeof k === "object" ? stringsOf((k as { key?: unknown }).key) : []))
      : [];
    const userdata = await ctx.http.get(urlOf(base, "user_data/cloud-init"), { privilegedPort: true, headers: { Accept: "text/plain" } });
    const hostname = hostnameOf(data.hostname);
    return { ...(hostname ? { hostname } : {}), sshKeys: keys, ...(userdata ? { userdata } : {}) };
  },
};
