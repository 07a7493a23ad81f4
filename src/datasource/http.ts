// HTTP for metadata servers: node:http (no keep-alive, nothing left open that would hold the
// process), a timeout per request, a total deadline shared by every source, bounded retries, and
// every body read through readBodyBounded. A metadata server answers in milliseconds, so a request
// that times out means nothing is there: it is not retried (an absent source costs one timeout).
// Refused and reset connections and 5xx answers are retried: a metadata server can be restarting.
import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { MAX_CONFIG_BYTES, readBodyBounded } from "../system/bounded.ts";

/** Nothing answered at this address (or the deadline passed): the source is absent, not broken. */
export class UnreachableError extends Error {
  override name = "UnreachableError";
}

/** The server answered with a status the caller did not expect. */
export class HttpStatusError extends Error {
  override name = "HttpStatusError";
  constructor(readonly url: string, readonly status: number) {
    super(`${url}: HTTP ${status}`);
  }
}

export interface RequestOptions {
  method?: "GET" | "PUT";
  headers?: Record<string, string>;
  /** Body size limit; default MAX_CONFIG_BYTES. */
  limit?: number;
  /** Connect from a source port below 1024 (Scaleway serves userdata only to root's sockets). */
  privilegedPort?: boolean;
}

export interface HttpSettings {
  /** Per request, connection to last body byte. */
  requestTimeoutMs: number;
  /** Tries of one request when the connection is refused/reset or the answer is a 5xx. */
  attempts: number;
  /** Wait before the first retry; doubled for each next one. */
  retryDelayMs: number;
  /** Aborted when the total deadline of the whole probe passes. */
  deadline: AbortSignal;
}

export const DEFAULT_HTTP: Omit<HttpSettings, "deadline"> = { requestTimeoutMs: 2000, attempts: 3, retryDelayMs: 250 };

// Errors that mean no server at this address, now or in a moment: not worth a retry.
const ABSENT_CODES = new Set(["ENETUNREACH", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL", "ENETDOWN"]);
const RETRY_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ECONNABORTED"]);

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

export class MetadataHttp {
  // Origins that did not answer: several sources share 169.254.169.254, and on a machine where it
  // is silent each of them would wait out its own timeout again.
  private readonly silent = new Map<string, string>();

  constructor(readonly settings: HttpSettings) {}

  /** One request with retries; returns any status < 500 with its body (bounded). */
  async request(url: string, opts: RequestOptions = {}): Promise<HttpAnswer> {
    const origin = new URL(url).origin;
    const earlier = this.silent.get(origin);
    if (earlier !== undefined) throw new UnreachableError(`${url}: ${origin} did not answer earlier (${earlier})`);
    try {
      return await this.attempt(url, opts);
    } catch (e) {
      if (e instanceof UnreachableError && !this.settings.deadline.aborted) this.silent.set(origin, e.message.slice(url.length + 2));
      throw e;
    }
  }

  private async attempt(url: string, opts: RequestOptions): Promise<HttpAnswer> {
    const { attempts, retryDelayMs, deadline } = this.settings;
    let last = "";
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(retryDelayMs * 2 ** (i - 1), undefined, { signal: deadline }).catch(() => {});
      if (deadline.aborted) throw new UnreachableError(`${url}: the total deadline passed${last ? ` (${last})` : ""}`);
      try {
        const answer = await this.once(url, opts);
        if (answer.status < 500) return answer;
        last = `HTTP ${answer.status}`;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.name === "AbortError" || err.name === "TimeoutError" || err.code === "ABORT_ERR") {
          throw new UnreachableError(deadline.aborted ? `${url}: the total deadline passed` : `${url}: no answer within ${this.settings.requestTimeoutMs} ms`);
        }
        if (err.code && ABSENT_CODES.has(err.code)) throw new UnreachableError(`${url}: ${err.code}`);
        if (!err.code || !RETRY_CODES.has(err.code)) throw err;
        last = err.code;
      }
    }
    if (last.startsWith("HTTP ")) throw new HttpStatusError(url, Number(last.slice(5)));
    throw new UnreachableError(`${url}: ${last} (${attempts} attempts)`);
  }

  /** GET: the body on 200, null on 404 (the value is not set), an HttpStatusError otherwise. */
  async get(url: string, opts: RequestOptions = {}): Promise<Buffer | null> {
    const { status, body } = await this.request(url, opts);
    if (status === 200) return body;
    if (status === 404) return null;
    throw new HttpStatusError(url, status);
  }

  private async once(url: string, opts: RequestOptions): Promise<HttpAnswer> {
    const signal = AbortSignal.any([this.settings.deadline, AbortSignal.timeout(this.settings.requestTimeoutMs)]);
    const res = await send(new URL(url), opts, signal);
    return { status: res.status, body: await readBodyBounded(res, opts.limit ?? MAX_CONFIG_BYTES, url) };
  }
}

function send(url: URL, opts: RequestOptions, signal: AbortSignal, tries = 0): Promise<Response> {
  const lib = url.protocol === "https:" ? https : http;
  // A random port in 1..1023, retried when taken, as Scaleway's own tools do.
  const localPort = opts.privilegedPort ? 1 + Math.floor(Math.random() * 1023) : undefined;
  return new Promise<Response>((resolve, reject) => {
    const req = lib.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers ?? {}, signal, agent: false, ...(localPort ? { localPort } : {}) },
      (res) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599) {
          res.destroy();
          reject(new Error(`${url.href}: unusable HTTP status ${status}`));
          return;
        }
        const noBody = status === 204 || status === 304;
        if (noBody) res.resume();
        resolve(new Response(noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>), { status, headers }));
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (localPort && e.code === "EADDRINUSE" && tries < 20) resolve(send(url, opts, signal, tries + 1));
      else if (localPort && e.code === "EACCES") reject(new Error(`${url.href}: a source port below 1024 needs root (Scaleway serves userdata only to those)`));
      else reject(e);
    });
    req.end();
  });
}

/** Joins a base URL and a path with exactly one slash. */
export function urlOf(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
