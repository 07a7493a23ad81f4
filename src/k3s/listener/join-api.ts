// The join API agents use, on the k3s port as in k3s: /cacerts for anyone (the joining node checks
// its hash against the token), then, with the token's credentials, the certificates a node needs and
// the cluster settings it must agree with. As k3s does, kubelets share the server's kubelet keys and
// each gets certificates for its own name; a node name is bound to the first password that claims it.
import { timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import type { NodePaths } from "../layout/paths.ts";
import { signCert } from "../pki/certs.ts";
import { importEcKey } from "../pki/keys.ts";
import { kubeletClientSpec, kubeletServingSpec } from "../pki/agent-pki.ts";
import { pickAgentConfig, type AgentConfig } from "../agent/agent-config.ts";
import { parsePasswd } from "../tokens/token-files.ts";
import type { EtcdEndpoint } from "../cluster/etcd-client.ts";
import { answerMemberAdd, answerMemberPromote, answerServerBootstrap, type Answer } from "./server-join-api.ts";

export interface JoinContext {
  paths: NodePaths;
  config: AgentConfig;
  now: () => Date;
  /** The local embedded etcd member, when this server runs one (servers join it). */
  etcd?: EtcdEndpoint;
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain"): void {
  res.writeHead(status, { "content-type": type });
  res.end(body);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Basic auth against cred/passwd: the `node` user (agent token) or `server` (server token). */
export function authenticate(req: IncomingMessage, passwdFile: string): string | undefined {
  const h = req.headers.authorization ?? "";
  if (!h.startsWith("Basic ")) return undefined;
  const text = Buffer.from(h.slice(6), "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  const user = text.slice(0, colon);
  const pass = text.slice(colon + 1);
  const entries = parsePasswd(readFileSync(passwdFile, "utf8"));
  const e = entries.find((x) => x.user === user && (user === "node" || user === "server"));
  return e && safeEqual(e.password, pass) ? user : undefined;
}

/** cred/node-passwd lines `password,node-name`: a name is bound to the first password presented. */
export function checkNodePassword(file: string, node: string, password: string): boolean {
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
  const entry = lines.map((l) => l.split(",")).find((f) => f[1] === node);
  if (entry) return safeEqual(entry[0] ?? "", password);
  writeFileAtomicSync(file, [...lines, `${password},${node}`].join("\n") + "\n", { mode: 0o600 });
  return true;
}

async function signFor(ctx: JoinContext, which: "serving" | "client", node: string, ips: string[]): Promise<string> {
  const tls = ctx.paths.server.tls;
  const caPair = which === "serving" ? tls.serverCa : tls.clientCa;
  const keyFile = which === "serving" ? tls.servingKubeletKey : tls.clientKubeletKey;
  const ca = { certPem: readFileSync(caPair.crt, "utf8"), key: await importEcKey(readFileSync(caPair.key, "utf8")) };
  const keyPem = readFileSync(keyFile, "utf8");
  const spec = which === "serving" ? kubeletServingSpec({ nodeName: node, nodeIps: ips, advertiseIp: ips[0] ?? "" }) : kubeletClientSpec(node);
  const cert = await signCert(spec, await importEcKey(keyPem), ca, ctx.now());
  return cert + ca.certPem + keyPem;
}

/** Handles /cacerts, /ping and /v1-k3s/*; returns false for any other path. */
export async function handleJoinApi(ctx: JoinContext, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? "/").split("?")[0]!;
  const tls = ctx.paths.server.tls;
  if (path === "/cacerts") {
    send(res, 200, readFileSync(tls.serverCa.crt, "utf8"));
    return true;
  }
  if (path === "/ping") {
    send(res, 200, "pong");
    return true;
  }
  if (!path.startsWith("/v1-k3s/")) return false;
  const endpoint = path.slice("/v1-k3s/".length);
  // Only the etcd membership calls change anything; they alone are POSTs.
  if (req.method !== (endpoint.startsWith("etcd/") ? "POST" : "GET")) {
    send(res, 405, "method not allowed\n");
    return true;
  }
  const user = authenticate(req, ctx.paths.server.cred.passwd);
  if (!user) {
    send(res, 401, "unauthorized: a join token's credentials are required\n");
    return true;
  }
  const serverOnly = endpoint === "server-bootstrap" || endpoint.startsWith("etcd/");
  if (serverOnly && user !== "server") {
    send(res, 403, "forbidden: joining as a server needs the server token, not an agent token\n");
    return true;
  }
  const r = serverOnly ? await answerServerOnly(ctx, req, endpoint) : await answerV1(ctx, req, endpoint);
  send(res, r.status, r.body, r.type);
  return true;
}

function readJsonBody(req: IncomingMessage, limit = 64 * 1024): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c;
      if (text.length > limit) req.destroy(new Error("request body too large"));
    });
    req.on("end", () => {
      try {
        const v: unknown = JSON.parse(text || "{}");
        resolve(v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {});
      } catch {
        resolve({});
      }
    });
    req.on("error", reject);
  });
}

async function answerServerOnly(ctx: JoinContext, req: IncomingMessage, endpoint: string): Promise<Answer> {
  switch (endpoint) {
    case "server-bootstrap":
      return answerServerBootstrap(ctx.paths);
    case "etcd/member-add":
      return answerMemberAdd(ctx.etcd, await readJsonBody(req));
    case "etcd/member-promote":
      return answerMemberPromote(ctx.etcd, await readJsonBody(req));
    default:
      return { status: 404, body: `no such endpoint: /v1-k3s/${endpoint}\n` };
  }
}

async function answerV1(ctx: JoinContext, req: IncomingMessage, endpoint: string): Promise<Answer> {
  const tls = ctx.paths.server.tls;
  const file = (...f: string[]): Answer => ({ status: 200, body: f.map((x) => readFileSync(x, "utf8")).join("") });
  switch (endpoint) {
    case "client-ca.crt":
      return file(tls.clientCa.crt);
    case "server-ca.crt":
      return file(tls.serverCa.crt);
    case "config":
      return { status: 200, body: JSON.stringify(pickAgentConfig(ctx.config)), type: "application/json" };
    case "client-kube-proxy.crt":
      return file(tls.clientKubeProxy.crt, tls.clientKubeProxy.key);
    case "client-k3s-controller.crt":
      return file(tls.clientK3sController.crt, tls.clientK3sController.key);
    case "serving-kubelet.crt":
    case "client-kubelet.crt": {
      const node = String(req.headers["k3s-node-name"] ?? "");
      const password = String(req.headers["k3s-node-password"] ?? "");
      const ips = String(req.headers["k3s-node-ip"] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(node)) return { status: 400, body: "k3s-Node-Name header missing or not a DNS name\n" };
      if (password === "") return { status: 400, body: "k3s-Node-Password header missing\n" };
      if (ips.some((ip) => isIP(ip) === 0)) return { status: 400, body: "k3s-Node-IP holds something that is not an IP address\n" };
      if (!checkNodePassword(ctx.paths.server.cred.nodePasswd, node, password)) {
        return { status: 403, body: `node ${node} is registered with another password\n` };
      }
      return { status: 200, body: await signFor(ctx, endpoint === "serving-kubelet.crt" ? "serving" : "client", node, ips) };
    }
    default:
      return { status: 404, body: `no such endpoint: /v1-k3s/${endpoint}\n` };
  }
}
