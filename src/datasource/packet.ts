// Equinix Metal (formerly Packet): one JSON document with "hostname" and "ssh_keys", and the
// userdata beside it. Userdata that starts with #!ipxe booted the machine and is not config.
import { urlOf } from "./http.ts";
import type { Datasource, ProbeResult } from "./types.ts";
import { getOrAbsent, hostnameOf, parseJsonObject, stringsOf } from "./values.ts";

export const PACKET_BASE = "https://metadata.platformequinix.com";

export const packet: Datasource = {
  name: "packet",
  async probe(ctx): Promise<ProbeResult> {
    const base = ctx.baseUrl ?? PACKET_BASE;
    const url = urlOf(base, "metadata");
    const meta = await getOrAbsent(ctx, url);
    if (meta === "absent") return "absent";
    const data = parseJsonObject(meta, url);
    const raw = await ctx.http.get(urlOf(base, "userdata"));
    const userdata = raw && raw.length > 0 && !raw.subarray(0, 6).equals(Buffer.from("#!ipxe")) ? raw : undefined;
    const hostname = hostnameOf(data.hostname);
    return { ...(hostname ? { hostname } : {}), sshKeys: stringsOf(data.ssh_keys), ...(userdata ? { userdata } : {}) };
  },
};
