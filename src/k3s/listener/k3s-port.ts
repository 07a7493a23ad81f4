// The k3s port (--https-listen-port, 6443): one TLS listener serving the join API and passing every
// other request to the kube-apiserver on the next port, so kubeconfigs and agents use one address as
// with k3s. Client certificates are asked for but optional: kubectl presents one, a joining node and
// a pod with a service-account token do not.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { Logger } from "../../system/log.ts";
import { handleJoinApi, type JoinContext } from "./join-api.ts";
import { proxyRequest, proxyUpgrade, type Upstream } from "./proxy.ts";

export interface FrontOptions extends JoinContext {
  apiServerPort: number;
  log: Logger;
}

export function createFrontServer(o: FrontOptions): Server {
  const tls = o.paths.server.tls;
  const upstream: Upstream = {
    host: "127.0.0.1",
    port: o.apiServerPort,
    ca: readFileSync(tls.serverCa.crt),
    cert: readFileSync(tls.clientAuthProxy.crt),
    key: readFileSync(tls.clientAuthProxy.key),
  };
  const server = createServer({
    cert: readFileSync(tls.servingKubeApiserver.crt),
    key: readFileSync(tls.servingKubeApiserver.key),
    ca: readFileSync(tls.clientCa.crt),
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on("request", (req, res) => {
    handleJoinApi(o, req, res).then(
      (handled) => {
        if (!handled) proxyRequest(upstream, req, res);
      },
      (e: Error) => {
        o.log.error(`${req.method} ${req.url}: ${e.message}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("internal error\n");
      },
    );
  });
  server.on("upgrade", (req, socket, head) => proxyUpgrade(upstream, req, socket, head));
  server.on("tlsClientError", (e) => o.log.debug(`TLS: ${e.message}`));
  return server;
}
