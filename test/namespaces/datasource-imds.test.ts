// `k3os datasource` as the node runs it: the built agent, in a network namespace this test makes,
// against a metadata server on the real link-local address 169.254.169.254:80 (IMDSv2 tokens
// required, as on an EC2 instance set to "IMDSv2 only"). Also the probe's cost when no source
// answers: nothing at the address, no route at all, and a route into a link that drops everything.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import { ProcessRunner } from "../../src/exec/runner.ts";

const runner = new ProcessRunner();
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD imds@example";
const USERDATA = "#cloud-config\nk3os:\n  labels:\n    from: imds\n";

// IMDSv2-only: a GET without the session token is refused (401), as EC2 does.
const SERVER = `
import { createServer } from "node:http";
const TOKEN = "ns-test-token";
const routes = {
  "/latest/meta-data/instance-id": "i-0ns0test0",
  "/latest/meta-data/local-hostname": "ip-169-254-0-1.ec2.internal",
  "/latest/meta-data/public-keys/": "0=imds-key",
  "/latest/meta-data/public-keys/0/openssh-key": ${JSON.stringify(`${KEY}\n`)},
  "/latest/user-data": ${JSON.stringify(USERDATA)},
};
createServer((req, res) => {
  if (req.method === "PUT" && req.url === "/latest/api/token") {
    if (!req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) { res.writeHead(400); return res.end(); }
    res.writeHead(200); return res.end(TOKEN);
  }
  if (req.headers["x-aws-ec2-metadata-token"] !== TOKEN) { res.writeHead(401); return res.end(); }
  const body = routes[req.url];
  res.writeHead(body === undefined ? 404 : 200);
  res.end(body ?? "");
}).listen(80, "169.254.169.254", () => console.log("ready"));
`;

let work: string;
let agent: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "k3os-ds-ns-"));
  // The agent as the image carries it, built here so the test never runs a stale bin/k3os.
  const script = pathToFileURL(join(process.cwd(), "scripts/build.mjs")).href;
  const { buildAgent } = (await import(script)) as { buildAgent: (o: { outDir: string; version: string }) => Promise<unknown> };
  await buildAgent({ outDir: join(work, "agent"), version: "v0.0.0-test" });
  agent = join(work, "agent/k3os");
  await writeFile(join(work, "server.mjs"), SERVER);
});
after(() => rm(work, { recursive: true, force: true }));

/** A fresh namespace with lo up, set up by `setup`, always deleted after `body`. */
async function inNamespace(setup: string[][], body: (ns: string) => Promise<void>): Promise<void> {
  const ns = `k3os-ds-${randomBytes(3).toString("hex")}`;
  await runner.run(["ip", "netns", "add", ns]);
  try {
    for (const argv of [["ip", "link", "set", "lo", "up"], ...setup]) await runner.run(["ip", "netns", "exec", ns, ...argv]);
    await body(ns);
  } finally {
    await runner.run(["ip", "netns", "del", ns]);
  }
}

// On lo: the kernel may lack the dummy link type (containers), lo is always there.
const LINK_LOCAL = [["ip", "addr", "add", "169.254.169.254/32", "dev", "lo"]];

// A veth pair whose far end has no address: frames go out and nothing ever answers. Permanent
// neighbour entries, so the silence is TCP's (a connect that waits) rather than ARP's.
const SILENT_LINK = [
  ["ip", "link", "add", "void0", "type", "veth", "peer", "name", "void1"],
  ["ip", "link", "set", "void0", "up"],
  ["ip", "link", "set", "void1", "up"],
  ["ip", "route", "add", "169.254.0.0/16", "dev", "void0"],
  ["ip", "neigh", "add", "169.254.169.254", "lladdr", "02:00:00:00:00:01", "dev", "void0", "nud", "permanent"],
  ["ip", "neigh", "add", "169.254.42.42", "lladdr", "02:00:00:00:00:01", "dev", "void0", "nud", "permanent"],
];

function startServer(ns: string): Promise<ChildProcess> {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, join(work, "server.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("metadata server did not start")), 20_000);
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on("exit", (code) => reject(new Error(`metadata server exited ${code}`)));
  });
}

async function datasource(ns: string, root: string, sources: string[]) {
  const started = performance.now();
  const r = await runner.run(["ip", "netns", "exec", ns, process.execPath, agent, "datasource", "--root", root, ...sources], { allowFailure: true, timeoutMs: 60_000 });
  return { ...r, seconds: (performance.now() - started) / 1000 };
}

test("aws on 169.254.169.254 in a namespace: IMDSv2 userdata, hostname and key land under /run/config", async () => {
  await inNamespace(LINK_LOCAL, async (ns) => {
    const server = await startServer(ns);
    try {
      const root = await mkdtemp(join(work, "root-"));
      const r = await datasource(ns, root, ["aws"]);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stderr, /datasource aws: userdata: userdata \(\d+ bytes\), hostname ip-169-254-0-1\.ec2\.internal, 1 ssh key\(s\)/);
      assert.equal(await readFile(join(root, "run/config/userdata"), "utf8"), USERDATA);
      assert.equal((await stat(join(root, "run/config/userdata"))).mode & 0o777, 0o600);
      assert.equal(await readFile(join(root, "run/config/local_hostname"), "utf8"), "ip-169-254-0-1.ec2.internal\n");
      assert.equal(await readFile(join(root, "run/config/ssh/authorized_keys"), "utf8"), `${KEY}\n`);
    } finally {
      server.kill();
    }
  });
});

const HTTP_SOURCES = ["aws", "gcp", "openstack", "packet", "scaleway", "vultr", "hetzner"];

for (const [name, setup, limit] of [
  ["the address is local but nothing listens", LINK_LOCAL, 5],
  ["there is no route to it", [], 5],
  // Connections wait out the request timeout (2 s), once per origin (169.254.169.254, 169.254.42.42).
  ["its route leads into a link where nothing answers", SILENT_LINK, 8],
] as const) {
  test(`no source answers when ${name}: exit 0, every source absent, in seconds`, async (t) => {
    await inNamespace(setup.map((a) => [...a]), async (ns) => {
      const root = await mkdtemp(join(work, "root-"));
      const r = await datasource(ns, root, HTTP_SOURCES);
      t.diagnostic(`probe of ${HTTP_SOURCES.length} HTTP sources with none answering (${name}): ${r.seconds.toFixed(2)} s`);
      assert.equal(r.exitCode, 0, r.stderr);
      for (const s of HTTP_SOURCES) assert.match(r.stderr, new RegExp(`datasource ${s}: (absent|failed)`), r.stderr);
      assert.match(r.stderr, /no datasource answered/);
      assert.ok(r.seconds < limit, `took ${r.seconds.toFixed(2)} s:\n${r.stderr}`);
      await assert.rejects(stat(join(root, "run/config")), /ENOENT/);
    });
  });
}
