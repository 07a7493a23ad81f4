// Order, winner and deadline of the probe across sources.
import assert from "node:assert/strict";
import { test } from "node:test";
import { probeDatasources } from "../../../src/datasource/probe.ts";
import type { Datasource, Found, ProbeResult } from "../../../src/datasource/types.ts";
import { probeContext, serveMetadata } from "./metadata-server.ts";

function fixed(name: string, result: ProbeResult | Error, calls: string[]): Datasource {
  return {
    name,
    async probe() {
      calls.push(name);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

const meta = (hostname: string): Found => ({ hostname, sshKeys: [] });
const withUserdata = (hostname: string, text: string): Found => ({ hostname, sshKeys: [], userdata: Buffer.from(text) });

test("the first source with userdata wins, after an absent, a failed and a metadata-only one", async () => {
  const calls: string[] = [];
  const sources = new Map(
    [
      fixed("a", "absent", calls),
      fixed("b", new Error("b broke"), calls),
      fixed("c", meta("from-c"), calls),
      fixed("d", withUserdata("from-d", "x: 1"), calls),
      fixed("e", withUserdata("from-e", "x: 2"), calls),
    ].map((s) => [s.name, s]),
  );
  const ctx = probeContext(undefined);
  const report = await probeDatasources(["a", "b", "c", "d", "e"], ctx, ctx.deadline, sources);
  assert.deepEqual(calls, ["a", "b", "c", "d"]);
  assert.equal(report.winner?.name, "d");
  assert.equal(report.winner?.found.hostname, "from-d");
  assert.deepEqual(report.sources.map((s) => s.outcome), ["absent", "failed", "metadata", "userdata"]);
  // One line per source tried, with its outcome and duration.
  assert.equal(ctx.log.lines.filter((l) => /^datasource [a-d]: .*\(\d+\.\d\d s\)$/.test(l.replace(/^warning: /, ""))).length, 4);
  assert.ok(ctx.log.lines.some((l) => l.includes("datasource b: failed: b broke")));
});

test("without userdata anywhere, the first source that answered gives the metadata", async () => {
  const calls: string[] = [];
  const sources = new Map([fixed("a", "absent", calls), fixed("b", meta("from-b"), calls), fixed("c", meta("from-c"), calls)].map((s) => [s.name, s]));
  const ctx = probeContext(undefined);
  const report = await probeDatasources(["a", "b", "c"], ctx, ctx.deadline, sources);
  assert.deepEqual(calls, ["a", "b", "c"]);
  assert.equal(report.winner?.name, "b");
});

test("the configured order is the probing order", async () => {
  const calls: string[] = [];
  const sources = new Map([fixed("a", "absent", calls), fixed("b", "absent", calls), fixed("c", "absent", calls)].map((s) => [s.name, s]));
  const ctx = probeContext(undefined);
  const report = await probeDatasources(["c", "a", "b"], ctx, ctx.deadline, sources);
  assert.deepEqual(calls, ["c", "a", "b"]);
  assert.equal(report.winner, undefined);
});

test("the total deadline holds against a server that never answers: later sources are skipped", async () => {
  const server = await serveMetadata({ "/latest/api/token": () => "hang", "/openstack/latest/meta_data.json": () => "hang" });
  // Request timeout longer than the deadline: only the deadline can end this.
  const ctx = probeContext(server.url, { requestTimeoutMs: 60_000, deadlineMs: 700 });
  const started = performance.now();
  const report = await probeDatasources(["aws", "openstack", "hetzner"], ctx, ctx.deadline);
  const ms = performance.now() - started;
  assert.ok(ms < 3000, `took ${ms} ms`);
  assert.equal(report.winner, undefined);
  assert.deepEqual(report.sources.map((s) => [s.outcome, s.detail]), [
    ["failed", "the total deadline passed while probing"],
    ["skipped", "the total deadline passed"],
    ["skipped", "the total deadline passed"],
  ]);
});

test("500s on every path: the retries are bounded and the next source is tried", async () => {
  const server = await serveMetadata({
    "/openstack/latest/meta_data.json": { status: 500 },
    "/hetzner/v1/metadata/hostname": { body: "hz-1" },
    "/hetzner/v1/metadata/public-keys": { body: "[]" },
    "/hetzner/v1/userdata": { body: "hostname: from-userdata\n" },
  });
  const ctx = probeContext(server.url, { attempts: 3 });
  const report = await probeDatasources(["openstack", "hetzner"], ctx, ctx.deadline);
  assert.equal(server.requests.filter((r) => r.path.startsWith("/openstack")).length, 3);
  assert.equal(report.sources[0]?.outcome, "failed");
  assert.match(report.sources[0]?.detail ?? "", /meta_data.json: HTTP 500$/);
  assert.equal(report.winner?.name, "hetzner");
});
