// iso_url: downloaded with progress, its sha256 checked against sha256sum.txt beside it, mounted
// read-only as the install source (the mount recorded here; the VM tier mounts it for real).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { runInstallCommand } from "../../../src/install/install-command.ts";
import { expectedIsoSum, fetchIso, findSha256, formatProgress } from "../../../src/install/iso-source.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

const ISO = Buffer.alloc(1024 * 1024, 7);
const SUM = createHash("sha256").update(ISO).digest("hex");
const OTHER = "0".repeat(64);

test("sha256sum.txt lines are found by file name, text or binary mode", () => {
  const sums = `${OTHER}  k3os-vmlinuz-amd64\n${SUM.toUpperCase()} *k3os-amd64.iso\n`;
  assert.equal(findSha256(sums, "k3os-amd64.iso"), SUM);
  assert.equal(findSha256(`${SUM}  dist/k3os-amd64.iso\n`, "k3os-amd64.iso"), SUM);
  assert.equal(findSha256(sums, "k3os-arm64.iso"), undefined);
  assert.equal(findSha256("not a sum  k3os-amd64.iso\n", "k3os-amd64.iso"), undefined);
});

test("progress lines say how much of how much", () => {
  assert.equal(formatProgress("downloading u", 50 * 1024 ** 2, 200 * 1024 ** 2), "downloading u: 50.0 of 200.0 MiB (25%)");
  assert.equal(formatProgress("downloaded u", 3 * 1024 ** 2), "downloaded u: 3.0 MiB");
});

describe("over HTTP", () => {
  let server: Server;
  let base: string;
  let sums = "";
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/rel/k3os-amd64.iso") return void res.end(ISO);
      if (req.url === "/rel/sha256sum.txt") return void res.end(sums);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test("the ISO is downloaded with progress at each 10% and hashed on the way", async () => {
    const dir = await mkdtemp(join(tmpdir(), "k3os-iso-test-"));
    const lines: string[] = [];
    const iso = await fetchIso(`${base}/rel/k3os-amd64.iso`, "/", dir, (l) => lines.push(l));
    assert.deepEqual(iso, { path: join(dir, "k3os-amd64.iso"), sha256: SUM, bytes: ISO.length, downloaded: true });
    assert.ok((await readFile(iso.path)).equals(ISO));
    // one line per 10% crossed (a chunk crossing two marks reports once), ending at 100%
    const percents = lines.map((l) => Number(/\((\d+)%\)$/.exec(l)?.[1]));
    assert.ok(percents.length >= 5 && percents.length <= 10, lines.join("\n"));
    assert.deepEqual(percents, [...percents].sort((x, y) => x - y));
    assert.equal(new Set(percents.map((p) => Math.floor(p / 10))).size, percents.length);
    assert.equal(lines.at(-1), `downloading ${base}/rel/k3os-amd64.iso: 1.0 of 1.0 MiB (100%)`);
  });

  test("the expected sum comes from sha256sum.txt beside the ISO; a missing file or entry is named", async () => {
    sums = `${SUM}  k3os-amd64.iso\n`;
    assert.equal(await expectedIsoSum(`${base}/rel/k3os-amd64.iso`, "/"), SUM);
    sums = `${OTHER}  k3os-rootfs-amd64.tar.gz\n`;
    await assert.rejects(expectedIsoSum(`${base}/rel/k3os-amd64.iso`, "/"), new RegExp(`^Error: ${base}/rel/sha256sum.txt: no sha256 for k3os-amd64.iso$`));
    await assert.rejects(expectedIsoSum(`${base}/none/k3os-amd64.iso`, "/"), new RegExp(`^Error: ${base}/none/sha256sum.txt: HTTP 404 Not Found$`));
  });

  test("k3os install refuses an ISO whose sha256 differs, before mounting anything", async () => {
    sums = `${OTHER}  k3os-amd64.iso\n`;
    const root = await makeRoot();
    const runner = new RecordingRunner();
    const err: string[] = [];
    const code = await runInstallCommand(["--root", root, "--device", "/dev/vdz", "--iso-url", `${base}/rel/k3os-amd64.iso`, "--yes"], {
      out: () => {}, err: (l) => err.push(l), sourceRunner: runner,
    });
    assert.equal(code, 1);
    assert.deepEqual(err.join("\n").split("\n"), [
      "k3os install: install refused, nothing was written:",
      `  - k3os.install.iso_url: ${base}/rel/k3os-amd64.iso: sha256 ${SUM}, but sha256sum.txt says ${OTHER}`,
    ]);
    assert.deepEqual(runner.calls, []);
  });

  test("a matching ISO is mounted read-only and becomes the install source, then unmounted and removed", async () => {
    sums = `${SUM}  k3os-amd64.iso\n`;
    const root = await makeRoot();
    const runner = new RecordingRunner();
    const out: string[] = [];
    const err: string[] = [];
    const before = await readdir(tmpdir());
    const code = await runInstallCommand(["--root", root, "--device", "/dev/vdz", "--iso-url", `${base}/rel/k3os-amd64.iso`, "--yes"], {
      out: (l) => out.push(l), err: (l) => err.push(l), sourceRunner: runner,
    });
    assert.equal(code, 1); // the device does not exist, and nothing was really mounted here
    assert.ok(out.includes(`${base}/rel/k3os-amd64.iso: 1.0 MiB, sha256 ${SUM} matches sha256sum.txt`), out.join("\n"));
    const [mount, umount] = runner.calls.map((c) => c.argv);
    assert.equal(runner.calls.length, 2);
    assert.deepEqual(mount?.slice(0, 5), ["mount", "-t", "iso9660", "-o", "loop,ro"]);
    assert.match(mount?.[5] ?? "", /\/k3os-iso-[^/]+\/k3os-amd64\.iso$/);
    const dir = mount?.[6] ?? "";
    assert.deepEqual(umount, ["umount", dir]);
    assert.ok(err.join("\n").includes(`  - ${dir}/k3os/system/k3os/current: missing (the install source has no k3os component)`), err.join("\n"));
    assert.deepEqual((await readdir(tmpdir())).filter((n) => n.startsWith("k3os-iso-") && !before.includes(n)), [], "the download is removed");
  });
});
