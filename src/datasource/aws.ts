// Amazon EC2's instance metadata service. IMDSv2 first: PUT a session token, then send it with
// every GET; a server that refuses tokens (IMDSv1 only, or an EC2 clone) is asked without one.
// local-hostname is what k3OS wrote to /run/config/local_hostname (linuxkit's metadata did so).
import { HttpStatusError, UnreachableError, urlOf } from "./http.ts";
import type { Datasource, ProbeContext, ProbeResult } from "./types.ts";
import { getOrAbsent, hostnameOf, keyLines } from "./values.ts";

export const AWS_BASE = "http://169.254.169.254";
const TOKEN_TTL_SECONDS = "300"; // the probe takes seconds; a short-lived token is enough

async function sessionHeaders(ctx: ProbeContext, base: string): Promise<Record<string, string> | "absent"> {
  const url = urlOf(base, "latest/api/token");
  try {
    const { status, body } = await ctx.http.request(url, {
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL_SECONDS },
      limit: 4096,
    });
    if (status === 200 && body.length > 0) return { "X-aws-ec2-metadata-token": body.toString("utf8").trim() };
    ctx.log.debug(`${url}: HTTP ${status}: no IMDSv2 token; asking with IMDSv1`);
  } catch (e) {
    if (e instanceof UnreachableError) return "absent";
    if (!(e instanceof HttpStatusError)) throw e;
    ctx.log.debug(`${e.message}: no IMDSv2 token; asking with IMDSv1`);
  }
  return {};
}

async function publicKeys(ctx: ProbeContext, base: string, headers: Record<string, string>): Promise<string[]> {
  // The index lists "0=key-name" lines; each key is at public-keys/N/openssh-key.
  const index = await ctx.http.get(urlOf(base, "latest/meta-data/public-keys/"), { headers });
  if (!index) return [];
  const keys: string[] = [];
  for (const line of keyLines(index.toString("utf8"))) {
    const n = line.split("=")[0]?.replace(/\/$/, "");
    if (!n || !/^\d+$/.test(n)) continue;
    const key = await ctx.http.get(urlOf(base, `latest/meta-data/public-keys/${n}/openssh-key`), { headers });
    if (key) keys.push(...keyLines(key.toString("utf8")));
  }
  return keys;
}

export const aws: Datasource = {
  name: "aws",
  async probe(ctx): Promise<ProbeResult> {
    const base = ctx.baseUrl ?? AWS_BASE;
    const headers = await sessionHeaders(ctx, base);
    if (headers === "absent") return "absent";
    const id = await getOrAbsent(ctx, urlOf(base, "latest/meta-data/instance-id"), { headers });
    if (id === "absent") return "absent";
    const local = await ctx.http.get(urlOf(base, "latest/meta-data/local-hostname"), { headers });
    const hostname = hostnameOf(local) ?? hostnameOf(await ctx.http.get(urlOf(base, "latest/meta-data/hostname"), { headers }));
    const sshKeys = await publicKeys(ctx, base, headers);
    const userdata = await ctx.http.get(urlOf(base, "latest/user-data"), { headers });
    return { ...(hostname ? { hostname } : {}), sshKeys, ...(userdata ? { userdata } : {}) };
  },
};
