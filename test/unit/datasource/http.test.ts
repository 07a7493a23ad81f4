// Bounded HTTP: retries that stop, timeouts that hold, bodies that cannot grow without limit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpStatusError, UnreachableError } from "../../../src/datasource/http.ts";
import { LimitError } from "../../../src/system/bounded.ts";
import { closedUrl, probeContext, serveMetadata } from "./metadata-server.ts";

test("a 500 is retried and the answer after it is used", async () => {
  let n = 0;
  const server = await serveMetadata({ "/x": () => (++n < 3 ? { status: 500 } : { body: "ok" }) });
  const ctx = probeContext(server.url);
  assert.equal((await ctx.http.get(`${server.url}/x`))?.toString(), "ok");
  assert.equal(server.requests.length, 3);
});

test("a server that always answers 500 is asked `attempts` times, then the error names the URL and status", async () => {
  const server = await serveMetadata({ "/x": { status: 503 } });
  const ctx = probeContext(server.url, { attempts: 3 });
  await assert.rejects(ctx.http.get(`${server.url}/x`), (e: unknown) => {
    assert.ok(e instanceof HttpStatusError);
    assert.equal(e.message, `${server.url}/x: HTTP 503`);
    return true;
  });
  assert.equal(server.requests.length, 3);
});

test("404 is null (not set), 403 is an error", async () => {
  const server = await serveMetadata({ "/forbidden": { status: 403 } });
  const ctx = probeContext(server.url);
  assert.equal(await ctx.http.get(`${server.url}/missing`), null);
  await assert.rejects(ctx.http.get(`${server.url}/forbidden`), /\/forbidden: HTTP 403$/);
});

test("a server that never answers costs one request timeout, not a retry", async () => {
  const server = await serveMetadata({ "/x": () => "hang" });
  const ctx = probeContext(server.url, { requestTimeoutMs: 300 });
  const started = performance.now();
  await assert.rejects(ctx.http.get(`${server.url}/x`), (e: unknown) => e instanceof UnreachableError && /no answer within 300 ms/.test(e.message));
  const ms = performance.now() - started;
  assert.ok(ms >= 250 && ms < 2000, `took ${ms} ms`);
  assert.equal(server.requests.length, 1);
});

test("the total deadline cuts a request short even when its own timeout is longer", async () => {
  const server = await serveMetadata({ "/x": () => "hang" });
  const ctx = probeContext(server.url, { requestTimeoutMs: 30_000, deadlineMs: 400 });
  const started = performance.now();
  await assert.rejects(ctx.http.get(`${server.url}/x`), /total deadline passed/);
  assert.ok(performance.now() - started < 3000);
});

test("a body over the limit is refused with the URL and the limit, also without a content-length", async () => {
  const big = Buffer.alloc(8 * 1024, "a");
  const server = await serveMetadata({
    "/declared": { body: big },
    // Chunked: the limit is found while reading, not from the header.
    "/chunked": { body: big, headers: { "transfer-encoding": "chunked" } },
  });
  const ctx = probeContext(server.url);
  for (const path of ["/declared", "/chunked"]) {
    await assert.rejects(ctx.http.get(`${server.url}${path}`, { limit: 4096 }), (e: unknown) => {
      assert.ok(e instanceof LimitError);
      assert.equal(e.message, `${server.url}${path}: is larger than the limit of 4 KiB`);
      return true;
    });
  }
});

test("a refused connection is retried, then reported unreachable", async () => {
  const url = await closedUrl();
  const ctx = probeContext(url, { attempts: 2 });
  await assert.rejects(ctx.http.get(`${url}/x`), (e: unknown) => e instanceof UnreachableError && /ECONNREFUSED \(2 attempts\)/.test(e.message));
});

test("an origin that did not answer is not asked again: sources sharing it cost one timeout", async () => {
  const server = await serveMetadata({ "/a": () => "hang", "/b": { body: "never asked" } });
  const ctx = probeContext(server.url, { requestTimeoutMs: 300 });
  await assert.rejects(ctx.http.get(`${server.url}/a`), UnreachableError);
  const started = performance.now();
  await assert.rejects(ctx.http.get(`${server.url}/b`), /did not answer earlier \(no answer within 300 ms\)/);
  assert.ok(performance.now() - started < 100);
  assert.deepEqual(server.paths(), ["GET /a"]);
});
