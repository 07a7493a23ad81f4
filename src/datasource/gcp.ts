// Google Compute Engine's metadata server. Every request carries Metadata-Flavor: Google (the
// server refuses requests without it). metadata.google.internal is 169.254.169.254, used directly:
// DNS may not be configured yet when the probe runs. SSH keys are "user:key" lines in the
// instance's and the project's ssh-keys attributes (and the legacy sshKeys); an instance with
// block-project-ssh-keys=true takes only its own.
import { urlOf } from "./http.ts";
import type { Datasource, ProbeContext, ProbeResult } from "./types.ts";
import { getOrAbsent, hostnameOf, keyLines } from "./values.ts";

export const GCP_BASE = "http://169.254.169.254";
const headers = { "Metadata-Flavor": "Google" };

/** "user:ssh-ed25519 AAAA… comment" → "ssh-ed25519 AAAA… comment". */
export function gcpKeyOf(line: string): string {
  const colon = line.indexOf(":");
  const space = line.indexOf(" ");
  return colon > 0 && (space === -1 || colon < space) ? line.slice(colon + 1).trim() : line;
}

async function attribute(ctx: ProbeContext, base: string, path: string): Promise<string | undefined> {
  const body = await ctx.http.get(urlOf(base, `computeMetadata/v1/${path}`), { headers });
  return body?.toString("utf8");
}

export const gcp: Datasource = {
  name: "gcp",
  async probe(ctx): Promise<ProbeResult> {
    const base = ctx.baseUrl ?? GCP_BASE;
    const host = await getOrAbsent(ctx, urlOf(base, "computeMetadata/v1/instance/hostname"), { headers });
    if (host === "absent") return "absent";
    const sources = ["instance/attributes/ssh-keys", "instance/attributes/sshKeys"];
    const blockProject = (await attribute(ctx, base, "instance/attributes/block-project-ssh-keys"))?.trim().toLowerCase() === "true";
    if (!blockProject) sources.push("project/attributes/ssh-keys", "project/attributes/sshKeys");
    const sshKeys: string[] = [];
    for (const s of sources) sshKeys.push(...keyLines((await attribute(ctx, base, s)) ?? "").map(gcpKeyOf));
    const userdata = await ctx.http.get(urlOf(base, "computeMetadata/v1/instance/attributes/user-data"), { headers });
    const hostname = hostnameOf(host);
    return { ...(hostname ? { hostname } : {}), sshKeys: [...new Set(sshKeys)], ...(userdata ? { userdata } : {}) };
  },
};
