// The interactive install driven through its input stream, as typed at a terminal.
import assert from "node:assert/strict";
import { test } from "node:test";
import { verify } from "unixcrypt";
import { checkInstallConfig } from "../../../src/install/config-url.ts";
import { askInstall, confirmErase, listDisks, parseSshAnswer, renderAnsweredConfig } from "../../../src/install/questions.ts";
import { KEY, promptDriver } from "./prompt-driver.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

const GIB = 1024 ** 3;
/** k3s's full token form: the config's schema refuses a K10 token with a CA hash of another length. */
const TOKEN = "K1074ec55daebdf54ef48294b0ddf0ce1c3cb64ee7e3d0b9ec79fbc7baf1f7ddac6::server:xyz";
const DISKS = [
  { device: "/dev/vda", sizeBytes: 8 * GIB },
  { device: "/dev/vdb", sizeBytes: 20 * GIB, model: "QEMU HARDDISK" },
];

test("the disks offered are /sys/block's whole disks with a medium, not loop, ram, zram, optical or mapped ones", async () => {
  const root = await makeRoot({
    "/sys/block/vda/size": "16777216\n",
    "/sys/block/sda/size": "41943040\n",
    "/sys/block/sda/device/model": "QEMU HARDDISK   \n",
    "/sys/block/sr0/size": "500000\n",
    "/sys/block/loop0/size": "100\n",
    "/sys/block/zram0/size": "100\n",
    "/sys/block/dm-0/size": "100\n",
    "/sys/block/sdb/size": "0\n",
  });
  assert.deepEqual(await listDisks(root), [
    { device: "/dev/sda", sizeBytes: 20 * GIB, model: "QEMU HARDDISK" },
    { device: "/dev/vda", sizeBytes: 8 * GIB },
  ]);
  assert.deepEqual(await listDisks(await makeRoot()), []);
});

test("answers become a config: GitHub users and keys, a hashed password, wifi, server URL and token", () => {
  assert.deepEqual(parseSshAnswer("alice, github:bob,\nssh-ed25519 AAAAC3 me@host"), ["github:alice", "github:bob", "ssh-ed25519 AAAAC3 me@host"]);
  assert.equal(renderAnsweredConfig({ sshKeys: [], wifi: [] }), "{}\n");
  assert.equal(
    renderAnsweredConfig({ sshKeys: ["github:alice"], passwordHash: "$6$s$h", wifi: [{ name: "home", passphrase: "p w" }], serverUrl: "https://s:6443", token: "T" }),
    'ssh_authorized_keys:\n  - github:alice\nk3os:\n  password: $6$s$h\n  wifi:\n    - name: home\n      passphrase: p w\n  server_url: https://s:6443\n  token: T\n',
  );
});

test("typed answers: the second disk, SSH from GitHub, a password typed twice, one wifi, an agent", async () => {
  const d = promptDriver([
    [/Install to which disk\?/, KEY.down + KEY.enter],
    [/from a config file/, "n" + KEY.enter],
    [/Authorize GitHub users/, "y" + KEY.enter],
    [/GitHub users or public keys/, "alice" + KEY.enter],
    [/Password for rancher/, "s3cret" + KEY.enter],
    [/The same password again/, "s3cret" + KEY.enter],
    [/Configure wifi\?/, "y" + KEY.enter],
    [/SSID/, "home" + KEY.enter],
    [/Wifi passphrase/, "pass phrase" + KEY.enter],
    [/Configure another wifi/, KEY.enter],
    [/server or an agent/, KEY.down + KEY.enter],
    [/URL of the server/, "https://10.0.0.1:6443" + KEY.enter],
    [/Token or cluster secret/, `${TOKEN}${KEY.enter}`],
  ]);
  const answers = await askInstall(d.streams, { device: "" }, DISKS);
  assert.equal(d.answered(), 13);
  assert.equal(answers.device, "/dev/vdb");
  assert.ok(answers.config);
  const checked = checkInstallConfig("answers", answers.config);
  assert.ok(checked.ok, checked.problems.join("\n"));
  const hash = /password: (\S+)/.exec(answers.config)?.[1] ?? "";
  assert.ok(verify("s3cret", hash), "the password is stored as its crypt hash");
  assert.ok(!answers.config.includes("s3cret"));
  assert.match(answers.config, /ssh_authorized_keys:\n {2}- github:alice\n/);
  assert.match(answers.config, /wifi:\n {4}- name: home\n {6}passphrase: pass phrase\n/);
  assert.ok(answers.config.includes(`server_url: https://10.0.0.1:6443\n  token: ${TOKEN}\n`), answers.config);
});

test("one disk is not asked about; a config URL typed here replaces the questions; a named device and URL ask nothing", async () => {
  const d = promptDriver([
    [/from a config file/, "y" + KEY.enter],
    [/Config URL/, "http://10.0.2.100/config.yaml" + KEY.enter],
  ]);
  assert.deepEqual(await askInstall(d.streams, { device: "" }, [DISKS[0]!]), { device: "/dev/vda", configUrl: "http://10.0.2.100/config.yaml" });
  assert.match(d.transcript(), /Installing to \/dev\/vda, the only disk\./);

  const none = promptDriver([]);
  assert.deepEqual(await askInstall(none.streams, { device: "/dev/sdb", configUrl: "file:///c.yaml" }, DISKS), { device: "/dev/sdb", configUrl: "file:///c.yaml" });
  await assert.rejects(askInstall(none.streams, { device: "" }, []), /no disk to install to/);
});

test("a server with no token, no password, no wifi: a minimal config; a mismatched password is asked again", async () => {
  const d = promptDriver([
    [/from a config file/, KEY.enter],
    [/Authorize GitHub users/, KEY.enter],
    [/Password for rancher/, "one" + KEY.enter],
    [/The same password again/, "two" + KEY.enter],
    [/Password for rancher/, KEY.enter],
    [/Configure wifi\?/, KEY.enter],
    [/server or an agent/, KEY.enter],
    [/Token or cluster secret/, KEY.enter],
  ]);
  const answers = await askInstall(d.streams, { device: "/dev/vda" }, DISKS);
  assert.equal(answers.config, "{}\n");
  assert.match(d.transcript(), /The passwords differ; again\./);
});

test("the confirmation names the disk and defaults to no", async () => {
  const d = promptDriver([[/Everything on \/dev\/vdb will be erased/, KEY.enter]]);
  assert.equal(await confirmErase(d.streams, "/dev/vdb"), false);
  const y = promptDriver([[/k3os will be installed into \/dev\/vdb2 \(not formatted/, "y" + KEY.enter]]);
  assert.equal(await confirmErase(y.streams, "/dev/vdb2", true), true);
});
