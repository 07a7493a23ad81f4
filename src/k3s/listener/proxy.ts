// The k3s port's pass-through to the kube-apiserver. TLS ends here, so the client's certificate
// identity is forwarded the Kubernetes way for front proxies: this process authenticates to the
// apiserver with the request-header client certificate (CN system:auth-proxy) and states the user
// and groups in X-Remote-User / X-Remote-Group, which the apiserver trusts from that certificate
// only. Bearer tokens pass through untouched. Upgrades (exec, attach, port-forward) are spliced.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { request, type Agent } from "node:https";
import { connect, type TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";

export interface Upstream {
  host: string;
  port: number;
  ca: Buffer;
  /** The request-header client certificate and key (server/tls/client-auth-proxy.*). */
  cert: Buffer;
  key: Buffer;
  agent?: Agent;
}

export interface ClientIdentity {
  user: string;
  groups: string[];
}

/** The verified client certificate's identity (CN, O), as the apiserver's x509 authenticator reads it. */
export function clientIdentity(socket: TLSSocket): ClientIdentity | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O;
  const user = Array.isArray(cn) ? cn[0] : cn;
  if (!user) return undefined;
  return { user, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

/** Request headers for the apiserver: hop-by-hop and any client-sent X-Remote-* removed (a client
 * must never choose its own identity), then the verified identity added. */
export function upstreamHeaders(headers: IncomingHttpHeaders, id: ClientIdentity | undefined, keepUpgrade: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const key = k.toLowerCase();
    if (key.startsWith("x-remote-")) continue;
    if (!keepUpgrade && ["connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer"].includes(key)) continue;
    out[k] = v;
  }
  if (id) {
    out["X-Remote-User"] = id.user;
    if (id.groups.length > 0) out["X-Remote-Group"] = id.groups;
  }
  return out;
}

export function proxyRequest(up: Upstream, req: IncomingMessage, res: ServerResponse): void {
  const id = clientIdentity(req.socket as TLSSocket);
  const out = request(
    {
      host: up.host,
      port: up.port,
      method: req.method,
      path: req.url,
      headers: upstreamHeaders(req.headers, id, false),
      ca: up.ca,
      cert: up.cert,
      key: up.key,
      agent: up.agent,
      servername: "localhost",
    },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      // Watches and logs stream: pass each chunk on as it comes.
      res.flushHeaders();
      upRes.pipe(res);
    },
  );
  out.on("error", (e) => {
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`k3s: the apiserver is not reachable: ${e.message}\n`);
    } else res.destroy();
  });
  req.pipe(out);
}

/** Splices an upgraded connection (SPDY / websocket) to the apiserver after re-sending its request. */
export function proxyUpgrade(up: Upstream, req: IncomingMessage, client: Duplex, head: Buffer): void {
  const id = clientIdentity(req.socket as TLSSocket);
  const upstream = connect({ host: up.host, port: up.port, ca: up.ca, cert: up.cert, key: up.key, servername: "localhost" }, () => {
    const headers = upstreamHeaders(req.headers, id, true);
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
    upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  const close = () => {
    upstream.destroy();
    client.destroy();
  };
  upstream.on("error", close);
  client.on("error", close);
  upstream.on("close", close);
  client.on("close", close);
}
