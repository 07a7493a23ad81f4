// A metadata server on 127.0.0.1 for unit tests: a route table of the shapes providers serve,
// every request recorded (method, path, headers, source port), closed after the test.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after } from "node:test";
import { memoryLogger } from "../../../src/system/log.ts";
import { MetadataHttp, DEFAULT_HTTP, type HttpSettings } from "../../../src/datasource/http.ts";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import type { ProbeContext } from "../../../src/datasource/types.ts";

export interface Answer {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/** A route answers, or returns "hang" to never answer (the connection stays open). */
export type Route = (req: IncomingMessage) => Answer | "hang";

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  remotePort: number;
}

export interface MetadataServer {
  url: string;
  requests: SeenRequest[];
  paths(): string[];
}

export async function serveMetadata(routes: Record<string, Answer | Route>): Promise<MetadataServer> {
  const requests: SeenRequest[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, remotePort: req.socket.remotePort ?? 0 });
    const route = routes[`${req.method} ${req.url}`] ?? routes[req.url ?? ""];
    const answer = typeof route === "function" ? route(req) : (route ?? { status: 404, body: "Not Found" });
    if (answer === "hang") {
      hanging.push(res);
      return;
    }
    res.writeHead(answer.status ?? 200, answer.headers ?? { "content-type": "text/plain" });
    res.end(answer.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, paths: () => requests.map((r) => `${r.method} ${r.path}`) };
}

/** A probe context against `baseUrl` with fast test timeouts unless given. */
export function probeContext(
  baseUrl: string | undefined,
  opts: Partial<Omit<HttpSettings, "deadline">> & { deadlineMs?: number; root?: string; runner?: RecordingRunner } = {},
): ProbeContext & { deadline: AbortSignal; log: ReturnType<typeof memoryLogger> } {
  const deadlineMs = opts.deadlineMs ?? 10_000;
  const deadline = AbortSignal.timeout(deadlineMs);
  const started = performance.now();
  const log = memoryLogger();
  return {
    http: new MetadataHttp({ ...DEFAULT_HTTP, retryDelayMs: 20, ...opts, deadline }),
    runner: opts.runner ?? new RecordingRunner(),
    root: opts.root ?? "/nonexistent-root",
    log,
    remainingMs: () => Math.max(0, deadlineMs - (performance.now() - started)),
    deadline,
    ...(baseUrl ? { baseUrl } : {}),
  };
}

/** A URL where nothing listens: a port that was just free. */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
