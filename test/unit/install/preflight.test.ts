// Preflight: every refusal names the device, key or URL, and all of them are reported at once.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type DeviceFacts, mountsOf, readDeviceFacts } from "../../../src/install/device-facts.ts";
import { runInstallCommand } from "../../../src/install/install-command.ts";
import { checkDevice, preflight, PreflightError } from "../../../src/install/preflight.ts";
import { resolveInstallSpec, type InstallSpec } from "../../../src/install/spec.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

const GIB = 1024 ** 3;
const spec = (over: Partial<InstallSpec> = {}): InstallSpec => ({
  ...resolveInstallSpec({ device: "/dev/vdb" }, {}, { efiFirmware: false }),
  ...over,
});
const disk = (over: Partial<DeviceFacts> = {}): DeviceFacts => ({
  device: "/dev/vdb", exists: true, isBlock: true, name: "vdb", sizeBytes: 8 * GIB, readOnly: false,
  partitions: [], mounts: [], inUse: [], ...over,
});

test("checkDevice: a large, unused whole disk passes; each refusal names the device and why", () => {
  const table: [string, InstallSpec, DeviceFacts, string[]][] = [
    ["fine", spec(), disk(), []],
    ["no device", spec({ device: "" }), disk(), ["no install device: set k3os.install.device (config or kernel cmdline) or --device"]],
    ["missing", spec(), disk({ exists: false, isBlock: false }), ["/dev/vdb: no such device"]],
    ["a file", spec(), disk({ isBlock: false }), ["/dev/vdb: not a block device"]],
    ["read-only", spec(), disk({ readOnly: true }), ["/dev/vdb: read-only"]],
    ["too small for BIOS", spec(), disk({ sizeBytes: 2 * GIB }),
      ["/dev/vdb: 2.00 GiB is too small: K3OS_STATE needs at least 2.00 GiB, so the disk at least 2.00 GiB (BIOS)"]],
    ["a partition", spec(), disk({ name: "vdb1", partition: { number: 1, disk: "/dev/vdb" } }),
      ["/dev/vdb: partition 1 of /dev/vdb; give the whole disk (or no_format to install into an existing K3OS_STATE partition)"]],
    ["mounted", spec(), disk({ partitions: ["vdb1"], mounts: ["/dev/vdb1 on /run/k3os/media"] }),
      ["/dev/vdb: in use: /dev/vdb1 on /run/k3os/media is mounted (the live system's own disk cannot be installed to)"]],
    ["swap", spec(), disk({ inUse: ["/dev/vdb2 is a swap area"] }), ["/dev/vdb: in use: /dev/vdb2 is a swap area"]],
    ["no_format on a K3OS_STATE partition", spec({ noFormat: true }),
      disk({ name: "vdb2", partition: { number: 2, disk: "/dev/vdb" }, ext4Label: "K3OS_STATE" }), []],
    ["no_format on a whole disk without ext4", spec({ noFormat: true }), disk(), [
      "/dev/vdb: no_format installs into an existing K3OS_STATE partition; this is a whole disk",
      "/dev/vdb: no_format needs an ext4 filesystem labelled K3OS_STATE; found no ext4 filesystem",
    ]],
    ["no_format, other label", spec({ noFormat: true }), disk({ partition: { number: 1, disk: "/dev/vdb" }, ext4Label: "root" }),
      ['/dev/vdb: no_format needs an ext4 filesystem labelled K3OS_STATE; found an ext4 filesystem labelled "root"']],
  ];
  for (const [name, s, f, want] of table) assert.deepEqual(checkDevice(s, f), want, name);
  // EFI needs room for the ESP and GPT's backup too
  assert.match(checkDevice(spec({ firmware: "efi" }), disk({ sizeBytes: 2 * GIB + 2 * 1024 ** 2 }))[0] ?? "", /at least 2\.06 GiB \(EFI\)/);
});

test("device facts come from sysfs, mountinfo and swaps under the root", async () => {
  const root = await makeRoot({
    "/dev/vdb": "not a device node",
    "/sys/class/block/vdb/size": "16777216\n",
    "/sys/class/block/vdb/ro": "0\n",
    "/sys/class/block/vdb/dev": "252:16\n",
    "/sys/class/block/vdb/vdb1/partition": "1\n",
    "/sys/class/block/vdb/vdb1/dev": "252:17\n",
    "/sys/class/block/vdb/vdb2/partition": "2\n",
    "/sys/class/block/vdb/vdb2/dev": "252:18\n",
    "/sys/class/block/vdb1/dev": "252:17\n",
    "/sys/class/block/vdb2/dev": "252:18\n",
    "/sys/class/block/vdb2/holders/dm-0": "",
    "/proc/self/mountinfo": "22 1 0:21 / / rw - tmpfs root rw\n31 22 252:17 / /run/k3os/media ro - iso9660 /dev/vdb1 ro\n",
    "/proc/swaps": "Filename Type Size Used Priority\n/dev/vdb2 partition 1024 0 -2\n",
  });
  const facts = await readDeviceFacts(root, "/dev/vdb");
  assert.deepEqual(facts, {
    device: "/dev/vdb", exists: true, isBlock: false, name: "vdb", sizeBytes: 8 * GIB, readOnly: false,
    partitions: ["vdb1", "vdb2"],
    mounts: ["/dev/vdb1 on /run/k3os/media"],
    inUse: ["/dev/vdb2 is a swap area", "/dev/vdb2 is held by dm-0"],
  });
  assert.deepEqual((await readDeviceFacts(root, "/dev/vdz")).exists, false);
});

test("mountinfo: mount points with escaped spaces, matched by major:minor", () => {
  const info = "40 22 8:1 / /mnt/my\\040disk rw - ext4 /dev/root rw\n41 22 8:2 / /x rw - ext4 /dev/sda2 rw\n";
  assert.deepEqual(mountsOf(info, new Map([["8:1", "sda1"]])), ["/dev/sda1 on /mnt/my disk"]);
});

describe("config_url", () => {
  let server: Server;
  let base: string;
  let closedPort: number;
  before(async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    server = createServer((req, res) => {
      if (req.url === "/ok.yaml") return void res.end("hostname: from-http\n");
      if (req.url === "/big.yaml") return void res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
      res.statusCode = 404;
      res.end("no");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  async function refusal(root: string, s: InstallSpec): Promise<string[]> {
    try {
      await preflight(s, root);
    } catch (e) {
      assert.ok(e instanceof PreflightError);
      return e.problems;
    }
    assert.fail("preflight passed");
  }

  test("an invalid config is refused with its URL, line and key; every other problem is listed with it", async () => {
    const root = await makeRoot({ "/srv/c.yaml": "hostname: x\nk3os:\n  labels: [a, b]\n" });
    const problems = await refusal(root, spec({ device: "/dev/vdz", configUrl: "/srv/c.yaml", source: root }));
    assert.deepEqual(problems, [
      "/dev/vdz: no such device",
      `${root}/k3os/system/k3os/current: missing (the install source has no k3os component)`,
      `${root}/k3os/system/kernel/current: missing (the install source has no kernel component)`,
      "k3os.install.config_url: /srv/c.yaml is not a valid config:",
      "  /srv/c.yaml:3: k3os.labels: expected a map, got a list",
    ]);
  });

  test("fetch failures name the key and the URL", async () => {
    const root = await makeRoot({ "/srv/syntax.yaml": "k3os:\n  labels: {a: b\n" });
    const table: [string, RegExp][] = [
      [`${base}/missing.yaml`, /^k3os\.install\.config_url: http:\/\/127\.0\.0\.1:\d+\/missing\.yaml: HTTP 404 Not Found$/],
      [`${base}/big.yaml`, /^k3os\.install\.config_url: http:\/\/127\.0\.0\.1:\d+\/big\.yaml: is larger than the limit of 4 MiB$/],
      [`http://127.0.0.1:${closedPort}/c.yaml`, /^k3os\.install\.config_url: http:\/\/127\.0\.0\.1:\d+\/c\.yaml: cannot fetch \(ECONNREFUSED\)$/],
      ["ftp://example.com/c.yaml", /^k3os\.install\.config_url: ftp:\/\/example\.com\/c\.yaml: unsupported scheme ftp: \(use http, https or file\)$/],
      ["file:///srv/none.yaml", /^k3os\.install\.config_url: file:\/\/\/srv\/none\.yaml: no such file$/],
      ["relative.yaml", /^k3os\.install\.config_url: relative\.yaml: not a URL \(http, https, file\) nor an absolute path$/],
      ["file:///srv/syntax.yaml", /^ {2}file:\/\/\/srv\/syntax\.yaml:\d+: invalid YAML/],
    ];
    for (const [url, want] of table) {
      const problems = await refusal(root, spec({ device: "/dev/vdz", configUrl: url, source: root }));
      assert.ok(problems.some((p) => want.test(p)), `${url}: ${problems.join(" | ")}`);
    }
  });
});

describe("k3os install refusals", () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  }

  test("usage errors exit 2, --help exits 0", async () => {
    const a = io();
    assert.equal(await runInstallCommand(["--device", "/dev/vda", "extra"], a.io), 2);
    assert.match(a.err.join("\n"), /^k3os install: Unexpected argument 'extra'/);
    const b = io();
    assert.equal(await runInstallCommand(["--help"], b.io), 0);
    assert.match(b.out.join("\n"), /^Usage: k3os install \[options\]/);
  });

  test("an installed system refuses: only on a live system", async () => {
    const root = await makeRoot({ "/run/k3os/mode": "disk\n" });
    const a = io();
    assert.equal(await runInstallCommand(["--root", root, "--device", "/dev/vda", "--yes"], a.io), 1);
    assert.deepEqual(a.err, ["k3os install: only on a live system (this one booted from its K3OS_STATE disk)"]);
  });

  test("a refused install prints every problem and writes nothing to the device", async () => {
    const root = await makeRoot({ "/run/k3os/mode": "live\n", "/dev/vdb": "old data" });
    const a = io();
    assert.equal(await runInstallCommand(["--root", root, "--device", "/dev/vdb", "--yes"], a.io), 1);
    assert.match(a.err.join("\n"), /^k3os install: install refused, nothing was written:\n {2}- \/dev\/vdb: not a block device\n/);
  });
});
