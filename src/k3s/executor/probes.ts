// Readiness probes for components: an HTTP(S) endpoint answering 200, a unix socket accepting
// connections, a file existing. Each answers quickly (short timeouts) so the supervisor can poll.
import { existsSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

export function httpOk(url: string, tls: TlsFiles = {}, timeoutMs = 2000): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const u = new URL(url);
      const secure = u.protocol === "https:";
      const opts = secure
        ? {
            ca: tls.ca ? readFileSync(tls.ca) : undefined,
            cert: tls.cert ? readFileSync(tls.cert) : undefined,
            key: tls.key ? readFileSync(tls.key) : undefined,
            // Without a CA (component health ports with self-signed certs) only liveness matters.
            rejectUnauthorized: tls.ca !== undefined,
          }
        : {};
      const req = (secure ? httpsRequest : httpRequest)(u, { ...opts, timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(false));
      req.end();
    });
}

export function socketAccepts(path: string, timeoutMs = 1000): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const s = connect(path);
      const done = (ok: boolean) => {
        s.destroy();
        resolve(ok);
      };
      s.setTimeout(timeoutMs, () => done(false));
      s.on("connect", () => done(true));
      s.on("error", () => done(false));
    });
}

export function fileExists(path: string): () => Promise<boolean> {
  return async () => existsSync(path);
}
