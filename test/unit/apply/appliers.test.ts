import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { applyBootCmd, applyUserdataScript } from "../../../src/apply/commands.ts";
import { applyDns, applyWifi } from "../../../src/apply/connman.ts";
import { applyHostname, renderHosts } from "../../../src/apply/hostname.ts";
import { applyModules } from "../../../src/apply/modules.ts";
import { applyPassword, isHashedPassword } from "../../../src/apply/password.ts";
import { applySshKeys } from "../../../src/apply/ssh-keys.ts";
import { applySysctls } from "../../../src/apply/sysctls.ts";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { BASE_NODE, makeContext, makeRoot } from "../../helpers/temp-root.ts";
import { verify } from "unixcrypt";

test("modules are loaded with modprobe, one call each, and a failure does not stop the rest", async () => {
  const runner = new RecordingRunner((argv) => (argv[2] === "nope" ? { exitCode: 1, stderr: "modprobe: FATAL: Module nope not found" } : {}));
  const { ctx } = makeContext(await makeRoot(), { runner });
  await assert.rejects(applyModules({ k3os: { modules: ["kvm", "nope", "nvme"] } }, ctx), /modprobe -- nope: exit code 1\nmodprobe: FATAL/);
  assert.deepEqual(runner.calls.map((c) => c.argv), [["modprobe", "--", "kvm"], ["modprobe", "--", "nope"], ["modprobe", "--", "nvme"]]);
});

test("modules are not loaded into the host's kernel when root is not the running system", async () => {
  const runner = new RecordingRunner();
  const { ctx, log } = makeContext(await makeRoot(), { runner, live: false });
  await applyModules({ k3os: { modules: ["kvm"] } }, ctx);
  assert.equal(runner.calls.length, 0);
  assert.match(log.lines.join("\n"), /skipped loading kvm/);
});

test("sysctls are written under /proc/sys with dots as slashes; a bad name is refused", async () => {
  const root = await makeRoot();
  const { ctx } = makeContext(root);
  await assert.rejects(applySysctls({ k3os: { sysctls: { "kernel.printk": "4 4 1 7", "../../etc/passwd": "x" } } }, ctx), /invalid sysctl name/);
  assert.equal(await readFile(`${root}/proc/sys/kernel/printk`, "utf8"), "4 4 1 7\n");
});

test("the hostname goes to the kernel, /etc/hostname and the 127.0.1.1 line of /etc/hosts", async () => {
  const root = await makeRoot(BASE_NODE);
  const { ctx } = makeContext(root);
  await applyHostname({ hostname: "node1" }, ctx);
  assert.equal(await readFile(`${root}/proc/sys/kernel/hostname`, "utf8"), "node1\n");
  assert.equal(await readFile(`${root}/etc/hostname`, "utf8"), "node1\n");
  assert.equal(await readFile(`${root}/etc/hosts`, "utf8"), "127.0.0.1\tlocalhost\n127.0.1.1\tnode1\n");
});

test("without a hostname the first boot picks k3os-NNNNN and later boots keep it", async () => {
  const root = await makeRoot(BASE_NODE);
  const { ctx } = makeContext(root);
  await applyHostname({}, ctx);
  const first = (await readFile(`${root}/etc/hostname`, "utf8")).trim();
  assert.match(first, /^k3os-\d{5}$/);
  await applyHostname({}, ctx);
  assert.equal((await readFile(`${root}/etc/hostname`, "utf8")).trim(), first);
  assert.equal((await readFile(`${root}/var/lib/rancher/k3os/hostname`, "utf8")).trim(), first);
});

test("the initrd phase does not invent a hostname (the persistent /var may not be there yet)", async () => {
  const root = await makeRoot(BASE_NODE);
  const { ctx } = makeContext(root, { phase: "initrd" });
  await applyHostname({}, ctx);
  await assert.rejects(stat(`${root}/etc/hostname`));
});

test("an invalid hostname is refused", async () => {
  const { ctx } = makeContext(await makeRoot(BASE_NODE));
  await assert.rejects(applyHostname({ hostname: "bad_name!" }, ctx), /not a valid hostname/);
});

test("a 127.0.1.1 line is added to /etc/hosts when there is none", () => {
  assert.equal(renderHosts("127.0.0.1 localhost\n::1 localhost\n", "n"), "127.0.0.1 localhost\n::1 localhost\n127.0.1.1\tn\n");
});

test("a clear-text password is hashed with SHA-512 crypt for rancher; root stays locked", async () => {
  const root = await makeRoot(BASE_NODE);
  const { ctx } = makeContext(root);
  await applyPassword({ k3os: { password: "supersecure" } }, ctx);
  const shadow = await readFile(`${root}/etc/shadow`, "utf8");
  const [rootLine, rancherLine] = shadow.split("\n");
  assert.equal(rootLine, "root:*:19000:0:99999:7:::");
  const hash = rancherLine?.split(":")[1] ?? "";
  assert.match(hash, /^\$6\$/);
  assert.ok(verify("supersecure", hash));
  assert.equal((await stat(`${root}/etc/shadow`)).mode & 0o777, 0o640);
});

test("a hashed password is kept as it is", async () => {
  const root = await makeRoot(BASE_NODE);
  const { ctx } = makeContext(root);
  for (const hash of ["$1$tYtghCfK$QHa51MS6MVAcfUKuOzNKt0", "$y$j9T$abc$def"]) {
    assert.ok(isHashedPassword(hash));
    await applyPassword({ k3os: { password: hash } }, ctx);
    assert.equal((await readFile(`${root}/etc/shadow`, "utf8")).split("\n")[1]?.split(":")[1], hash);
  }
});

async function keyServer(keys: Record<string, string>) {
  const server = createServer((req, res) => {
    const user = /^\/(.*)\.keys$/.exec(req.url ?? "")?.[1] ?? "";
    if (user in keys) res.end(keys[user]);
    else res.writeHead(404).end("Not Found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: (u: string) => `http://127.0.0.1:${port}/${u}.keys`, close: () => server.close() };
}

test("ssh keys and github:USER keys are written to rancher's authorized_keys at runtime", async () => {
  const server = await keyServer({ octocat: "ssh-ed25519 GH1 octocat\nssh-rsa GH2\n" });
  try {
    const root = await makeRoot({ ...BASE_NODE, "/home/rancher/.ssh/authorized_keys": "ssh-rsa EXISTING\n" });
    const { ctx } = makeContext(root, { phase: "runtime", githubKeysUrl: server.url });
    await applySshKeys({ ssh_authorized_keys: ["ssh-rsa AAA me", "github:octocat", "ssh-rsa EXISTING"] }, ctx);
    const file = `${root}/home/rancher/.ssh/authorized_keys`;
    assert.equal(await readFile(file, "utf8"), "ssh-rsa EXISTING\nssh-rsa AAA me\nssh-ed25519 GH1 octocat\nssh-rsa GH2\n");
    const st = await stat(file);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, 1000);
    assert.equal((await stat(`${root}/home/rancher/.ssh`)).mode & 0o777, 0o700);
  } finally {
    server.close();
  }
});

test("an unreachable or unknown github user is a clear error and the other keys are still written", async () => {
  const server = await keyServer({});
  try {
    const root = await makeRoot(BASE_NODE);
    const { ctx } = makeContext(root, { phase: "runtime", githubKeysUrl: server.url });
    await assert.rejects(applySshKeys({ ssh_authorized_keys: ["ssh-rsa AAA", "github:ghost"] }, ctx), /cannot fetch keys of github:ghost from http:\/\/127\.0\.0\.1:\d+\/ghost\.keys: HTTP 404/);
    assert.equal(await readFile(`${root}/home/rancher/.ssh/authorized_keys`, "utf8"), "ssh-rsa AAA\n");
    const closed = await keyServer({});
    closed.close(); // a port that was just free: the connection is refused
    const { ctx: ctx2 } = makeContext(root, { phase: "runtime", githubKeysUrl: closed.url });
    await assert.rejects(applySshKeys({ ssh_authorized_keys: ["github:ghost"] }, ctx2), /cannot fetch keys of github:ghost .*ECONNREFUSED/);
  } finally {
    server.close();
  }
});

test("github keys wait for the runtime phase (no network at boot)", async () => {
  const root = await makeRoot(BASE_NODE);
  const { ctx } = makeContext(root, { phase: "boot", githubKeysUrl: () => "http://127.0.0.1:1/never" });
  await applySshKeys({ ssh_authorized_keys: ["github:octocat", "ssh-rsa AAA"] }, ctx);
  assert.equal(await readFile(`${root}/home/rancher/.ssh/authorized_keys`, "utf8"), "ssh-rsa AAA\n");
});

test("connman gets fallback DNS and NTP servers, and wifi services", async () => {
  const root = await makeRoot();
  const { ctx } = makeContext(root);
  await applyDns({ k3os: { dns_nameservers: ["1.1.1.1", "8.8.4.4"], ntp_servers: ["0.pool.ntp.org"] } }, ctx);
  assert.equal(
    await readFile(`${root}/etc/connman/main.conf`, "utf8"),
    "[General]\nNetworkInterfaceBlacklist=veth,cni,flannel\nFallbackNameservers=1.1.1.1,8.8.4.4\nFallbackTimeservers=0.pool.ntp.org\n",
  );
  await applyWifi({ k3os: { wifi: [{ name: "home", passphrase: "pw" }] } }, ctx);
  assert.equal(
    await readFile(`${root}/var/lib/connman/cloud-config.config`, "utf8"),
    "[global]\nName=cloud-config\nDescription=Services defined in the cloud-config\n\n[service_wifi0]\nType=wifi\nName=home\nPassphrase=pw\n",
  );
});

test("boot commands run with sh -c, output logged, a failure reported and the rest run", async () => {
  const runner = new RecordingRunner((argv) => (argv[2] === "false" ? { exitCode: 1 } : { stdout: `ran ${argv[2]}\n` }));
  const { ctx, log } = makeContext(await makeRoot(), { runner });
  await assert.rejects(applyBootCmd({ boot_cmd: ["echo a", "false", "echo b"] }, ctx), /boot_cmd\[1\] failed \(exit code 1\): false/);
  assert.deepEqual(runner.calls.map((c) => c.argv), [["sh", "-c", "echo a"], ["sh", "-c", "false"], ["sh", "-c", "echo b"]]);
  assert.ok(log.lines.includes("boot_cmd[2]: ran echo b"));
});

test("a userdata script is written 0700 to /run/k3os/userdata and run", async () => {
  const root = await makeRoot();
  const runner = new RecordingRunner();
  const { ctx } = makeContext(root, { runner, phase: "runtime", userdataScript: Buffer.from("#!/bin/sh\necho hi\n") });
  await applyUserdataScript({}, ctx);
  assert.equal((await stat(`${root}/run/k3os/userdata`)).mode & 0o777, 0o700);
  assert.deepEqual(runner.calls.map((c) => c.argv), [["sh", "-c", "/run/k3os/userdata"]]);
});
