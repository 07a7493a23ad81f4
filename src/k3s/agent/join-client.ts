// An agent joining a server, as k3s agents do: fetch /cacerts without trusting anyone, check its
// hash against the secure token (a mismatch is refused before any credential is sent), check the
// server's certificate against that CA, then fetch the node's certificates with the token's
// credentials and write the agent/ layout.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { Readable } from "node:stream";
import type { z } from "zod";
import { readBodyBounded } from "../../system/bounded.ts";
import { join } from "node:path";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import { ensureDir } from "../util/fs-util.ts";
import { agentConfigSchema, type AgentConfig } from "./agent-config.ts";
import { writeFileKubeconfig } from "../pki/kubeconfig.ts";
import type { NodeIdentity } from "./node-identity.ts";
import type { NodePaths } from "../layout/paths.ts";
import { parseToken } from "../layout/token-format.ts";
import { checkCaHash } from "../tokens/token.ts";

export class JoinError extends Error {
  override name = "JoinError";
}

export interface CallOptions {
  ca?: string;
  /** `user:password` for Basic auth. */
  auth?: string;
  headers?: Record<string, string>;
  /** A JSON body: the request is then a POST. */
  json?: unknown;
}

/** Every join reply is certificates or small JSON; a larger one is a broken or hostile server. */
export const MAX_REPLY_BYTES = 1024 * 1024;

/** A reply's JSON checked against its schema; errors name the URL and each wrong field. */
export function parseReply<T>(url: string, schema: z.ZodType<T>, body: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new JoinError(`${url}: unexpected reply: not JSON (${(e as Error).message})`);
  }
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  throw new JoinError(`${url}: unexpected reply: ${r.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ")}`);
}

/** One request to a server's k3s port; the body (at most MAX_REPLY_BYTES) comes back as text whatever the status. */
export function callServer(url: string, o: CallOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: o.json === undefined ? "GET" : "POST",
        ca: o.ca,
        rejectUnauthorized: o.ca !== undefined,
        headers: {
          ...(o.auth ? { authorization: `Basic ${Buffer.from(o.auth).toString("base64")}` } : {}),
          ...(o.json === undefined ? {} : { "content-type": "application/json" }),
          ...o.headers,
        },
        timeout: 10_000,
      },
      (res) => {
        const length = res.headers["content-length"];
        // As a fetch Response, so the one bounded reader (src/system/bounded.ts) applies.
        const web = new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { headers: length ? { "content-length": length } : {} });
        readBodyBounded(web, MAX_REPLY_BYTES, url).then(
          (body) => resolve({ status: res.statusCode ?? 0, body: body.toString("utf8") }),
          (e: Error) => {
            res.destroy();
            reject(e);
          },
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(o.json === undefined ? undefined : JSON.stringify(o.json));
  });
}

/** The server's CA bundle, checked against the token's hash and against the server's own certificate. */
export async function fetchTrustedCa(server: string, token: string): Promise<string> {
  const base = server.replace(/\/+$/, "");
  let first;
  try {
    first = await callServer(`${base}/cacerts`, {});
  } catch (e) {
    throw new JoinError(`cannot reach ${base}: ${(e as Error).message}`);
  }
  if (first.status !== 200) throw new JoinError(`${base}/cacerts: HTTP ${first.status}`);
  try {
    checkCaHash(parseToken(token, "node"), first.body);
  } catch (e) {
    throw new JoinError(`refusing to join ${base}: ${(e as Error).message}`);
  }
  try {
    await callServer(`${base}/cacerts`, { ca: first.body });
  } catch (e) {
    throw new JoinError(`${base} presents a certificate its own CA bundle does not validate: ${(e as Error).message}`);
  }
  return first.body;
}

/** The node's join password, made once and kept (k3s keeps it in /etc/rancher/node/password). */
export function nodePassword(root: string): string {
  const file = join(root, "etc", "rancher", "node", "password");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const p = randomBytes(16).toString("hex");
  writeFileAtomicSync(file, `${p}\n`, { mode: 0o600 });
  return p;
}

/** Splits `cert... key` bodies as the join API sends them. */
export function splitCertAndKey(body: string): { crt: string; key: string } {
  const key = body.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----\n?/)?.[0];
  if (!key) throw new JoinError("the server's answer holds no private key");
  return { crt: body.replace(key, ""), key };
}

export async function joinServer(opts: {
  server: string;
  token: string;
  paths: NodePaths;
  identity: NodeIdentity;
  password: string;
}): Promise<AgentConfig> {
  const { paths, identity } = opts;
  const base = opts.server.replace(/\/+$/, "");
  const ca = await fetchTrustedCa(base, opts.token);
  const t = parseToken(opts.token, "node");
  if (t.bootstrap) throw new JoinError("bootstrap tokens cannot join yet; use the server's token or agent-token");
  // The server token authenticates as "server", an agent token or a short one as "node".
  const auth = `${t.username === "server" ? "server" : "node"}:${t.password}`;
  const headers = { "k3s-Node-Name": identity.nodeName, "k3s-Node-Password": opts.password, "k3s-Node-IP": identity.nodeIps.join(",") };
  const fetch = async (endpoint: string) => {
    const r = await callServer(`${base}/v1-k3s/${endpoint}`, { ca, auth, headers });
    if (r.status === 401) throw new JoinError(`${base} refused the token (HTTP 401): is it this cluster's token?`);
    if (r.status !== 200) throw new JoinError(`${base}/v1-k3s/${endpoint}: HTTP ${r.status}: ${r.body.trim().slice(0, 500)}`);
    return r.body;
  };
  const a = paths.agent;
  ensureDir(a.dir, 0o700);
  writeFileAtomicSync(a.serverCa, await fetch("server-ca.crt"));
  writeFileAtomicSync(a.clientCa, await fetch("client-ca.crt"));
  const pairs = [
    ["serving-kubelet.crt", a.servingKubelet],
    ["client-kubelet.crt", a.clientKubelet],
    ["client-kube-proxy.crt", a.clientKubeProxy],
    ["client-k3s-controller.crt", a.clientK3sController],
  ] as const;
  for (const [endpoint, files] of pairs) {
    const { crt, key } = splitCertAndKey(await fetch(endpoint));
    writeFileAtomicSync(files.key, key, { mode: 0o600 });
    writeFileAtomicSync(files.crt, crt);
  }
  for (const [file, pair] of [[a.kubeletKubeconfig, a.clientKubelet], [a.kubeproxyKubeconfig, a.clientKubeProxy], [a.k3scontrollerKubeconfig, a.clientK3sController]] as const) {
    writeFileKubeconfig(file, { server: base, caFile: a.serverCa, certFile: pair.crt, keyFile: pair.key });
  }
  return parseReply(`${base}/v1-k3s/config`, agentConfigSchema, await fetch("config"));
}
