import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { test } from "node:test";
import { parse } from "yaml";
import { applyK3sService, k3sServiceSettings, nodeIpGiven, renderK3sDropIn, renderK3sServiceConf } from "../../../src/apply/k3s-service.ts";
import { renderEnvironmentFile } from "../../../src/apply/environment.ts";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { readConfigArgs } from "../../../src/k3s/cli/config-file.ts";
import { makeContext, makeRoot } from "../../helpers/temp-root.ts";

const DROP_IN = "/etc/rancher/k3s/config.yaml.d/10-k3os.yaml";

test("without server_url the node is a server, labelled with its k3os mode and version, its kubeconfig readable by group rancher", () => {
  assert.deepEqual(k3sServiceSettings({}, "live", "v1.2.3"), {
    args: ["server"],
    flags: { "node-label+": ["k3os.io/mode=live", "k3os.io/version=v1.2.3"], "write-kubeconfig-mode": "0640", "write-kubeconfig-group": "rancher" },
    env: {},
  });
});

test("with server_url the node is an agent; server_url, token, labels and taints are k3s flags, not environment", () => {
  for (const token of ["K1074ec55daebdf54ef48294b0ddf0ce1c3cb64ee7e3d0b9ec79fbc7baf1f7ddac6::node:77689533d0140c7019416603a05275d4", "myclustersecret"]) {
    const s = k3sServiceSettings({ k3os: { server_url: "https://myserver:6443", token, labels: { region: "us-west-1" }, taints: ["key1=value1:NoSchedule"], environment: { http_proxy: "http://p:3128" } } }, undefined, "v1");
    assert.deepEqual(s, {
      args: ["agent"],
      flags: { server: "https://myserver:6443", token, "node-label+": ["k3os.io/version=v1", "region=us-west-1"], "node-taint+": ["key1=value1:NoSchedule"] },
      env: { http_proxy: "http://p:3128" },
    });
  }
});

test("k3s_args are kept exec-style and must start with server or agent", () => {
  const s = k3sServiceSettings({ k3os: { k3s_args: ["server", "--cluster-cidr", "10.107.0.0/23", "--tls-san=a b"] } }, "local", "v1");
  assert.deepEqual(s.args, ["server", "--cluster-cidr", "10.107.0.0/23", "--tls-san=a b"]);
  assert.throws(() => k3sServiceSettings({ k3os: { k3s_args: ["--cluster-init"] } }, "local", "v1"), /first argument must be "server" or "agent", got "--cluster-init"/);
});

test("the drop-in is k3s's config format: k3s reads it back into the same flags", async () => {
  const s = k3sServiceSettings({ k3os: { server_url: "https://s:6443", token: 'se"cret:#$x', labels: { "a.b/c": "yes", n: "0640" }, taints: ["k=v:NoSchedule"] } }, "disk", "v1");
  const root = await makeRoot({ [DROP_IN]: renderK3sDropIn(s) });
  const file = `${root}/etc/rancher/k3s/config.yaml`;
  assert.deepEqual(readConfigArgs(file, "agent", { explicit: false }).args, [
    "--server=https://s:6443",
    '--token=se"cret:#$x',
    "--node-label=a.b/c=yes",
    "--node-label=k3os.io/mode=disk",
    "--node-label=k3os.io/version=v1",
    "--node-label=n=0640",
    "--node-taint=k=v:NoSchedule",
  ]);
  const server = parse(renderK3sDropIn(k3sServiceSettings({}, "live", "v1"))) as Record<string, unknown>;
  assert.equal(server["write-kubeconfig-mode"], "0640", "a string, not the number 640");
  assert.equal(server["write-kubeconfig-group"], "rancher");
});

test("the k3os labels add to the node-label list of the user's own config.yaml", async () => {
  const root = await makeRoot({
    "/etc/rancher/k3s/config.yaml": "node-label:\n  - mine=1\n",
    [DROP_IN]: renderK3sDropIn(k3sServiceSettings({ k3os: { server_url: "https://s:6443" } }, "live", "v1")),
  });
  const args = readConfigArgs(`${root}/etc/rancher/k3s/config.yaml`, "agent", { explicit: false }).args;
  assert.deepEqual(args.filter((a) => a.startsWith("--node-label")), ["--node-label=mine=1", "--node-label=k3os.io/mode=live", "--node-label=k3os.io/version=v1"]);
});

test("the node IP is known from k3s_args (-i, --node-ip, --node-ip=) or a k3s config file, else the service waits for a route", () => {
  const table: [string[], string[], boolean][] = [
    [["server"], [], false],
    [["server", "--node-ip", "10.0.0.2"], [], true],
    [["server", "--node-ip=10.0.0.2"], [], true],
    [["agent", "-i", "10.0.0.2"], [], true],
    [["server", "--node-ip-other"], [], false],
    [["server"], ["node-ip: 10.0.0.2\n"], true],
    [["server"], ["i: 10.0.0.2\n"], true],
    [["server"], ["node-ip+: [10.0.0.2]\n"], true],
    [["server"], ["node-external-ip: 1.2.3.4\n", "{broken"], false],
  ];
  for (const [args, files, given] of table) assert.equal(nodeIpGiven(args, files), given, `${args.join(" ")} / ${files.join(" | ")}`);
});

test("the service conf holds the command line, the environment and the route wait, quoted so the shell gives k3s the same argv", () => {
  const conf = renderK3sServiceConf({ args: ["server", "--tls-san=a b", "it's", "$HOME"], flags: {}, env: { http_proxy: "http://p:3128", NO_PROXY: 'a"b$' } }, false);
  assert.doesNotMatch(conf, /K3S_TOKEN|K3S_URL|node-label/);
  // Evaluate it as OpenRC does (eval of command_args) and compare the words.
  const out = execFileSync("sh", ["-c", `${conf}\neval "set -- $command_args"; for a in "$@"; do printf '%s\\n' "$a"; done; printf '%s\\n' "$NO_PROXY" "$wait_for_route"`]);
  assert.equal(out.toString(), "server\n--tls-san=a b\nit's\n$HOME\na\"b$\nno\n");
});

test("the service conf's environment is /etc/environment's lines (one shell quoting), exported to k3s", () => {
  const env = { http_proxy: "http://p:3128", NO_PROXY: `a b,it's "$x"` };
  const conf = renderK3sServiceConf({ args: ["server"], flags: {}, env }, true);
  assert.ok(conf.endsWith(`${renderEnvironmentFile(env)}export http_proxy NO_PROXY\n`), conf);
  // OpenRC sources conf.d with sh: the service (a child) sees each value unchanged.
  const out = execFileSync("sh", ["-c", `${conf}\nsh -c 'printf "%s\\n" "$http_proxy" "$NO_PROXY"'`]);
  assert.equal(out.toString(), `http://p:3128\n${env.NO_PROXY}\n`);
  assert.doesNotMatch(renderK3sServiceConf({ args: ["server"], flags: {}, env: {} }, true), /export/);
});

test("the applier writes both files root-only; a node IP in the user's k3s config.yaml turns the route wait off", async () => {
  const root = await makeRoot({ "/run/k3os/mode": "live\n", "/etc/rancher/k3s/config.yaml": "node-ip: 10.1.1.1\n" });
  const { ctx } = makeContext(root, { phase: "boot" });
  await applyK3sService({ k3os: { token: "t" } }, ctx);
  assert.match(await readFile(`${root}/etc/conf.d/k3s-service`, "utf8"), /^wait_for_route=no$/m);
  assert.match(await readFile(`${root}${DROP_IN}`, "utf8"), /^token: t$/m);
  for (const f of ["/etc/conf.d/k3s-service", DROP_IN]) assert.equal((await stat(`${root}${f}`)).mode & 0o777, 0o600, f);
});

test("at runtime a changed setting restarts a running k3s; an unchanged one does not", async () => {
  const root = await makeRoot({ "/run/k3os/mode": "local\n" });
  const runner = new RecordingRunner();
  const { ctx } = makeContext(root, { runner, phase: "runtime" });
  await applyK3sService({ k3os: { labels: { a: "1" } } }, ctx);
  await applyK3sService({ k3os: { labels: { a: "1" } } }, ctx);
  assert.deepEqual(runner.calls.map((c) => c.argv), [["rc-service", "--ifstarted", "k3s-service", "restart"]]);
  await applyK3sService({ k3os: { labels: { a: "2" } } }, ctx);
  assert.equal(runner.calls.length, 2, "a label only in the drop-in is a change too");
  assert.match(await readFile(`${root}${DROP_IN}`, "utf8"), /- a=2\n/);
});
