import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { applyK3sService, k3sServiceSettings, renderK3sServiceConf } from "../../../src/apply/k3s-service.ts";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { makeContext, makeRoot } from "../../helpers/temp-root.ts";

test("without server_url the node is a server, labelled with its k3os mode and version", () => {
  assert.deepEqual(k3sServiceSettings({}, "live", "v1.2.3"), {
    args: ["server", "--node-label", "k3os.io/mode=live", "--node-label", "k3os.io/version=v1.2.3"],
    env: {},
  });
});

test("with server_url the node is an agent; the token (node token or shared secret) goes to K3S_TOKEN", () => {
  for (const token of ["K1074ec55daebdf54ef48294b0ddf0ce1c3cb64ee7e3d0b9ec79fbc7baf1f7ddac6::node:77689533d0140c7019416603a05275d4", "myclustersecret"]) {
    const s = k3sServiceSettings({ k3os: { server_url: "https://myserver:6443", token, labels: { region: "us-west-1" }, taints: ["key1=value1:NoSchedule"] } }, undefined, "v1");
    assert.deepEqual(s.args, ["agent", "--node-label", "k3os.io/version=v1", "--node-label", "region=us-west-1", "--node-taint", "key1=value1:NoSchedule"]);
    assert.deepEqual(s.env, { K3S_URL: "https://myserver:6443", K3S_TOKEN: token });
  }
});

test("k3s_args are kept exec-style and must start with server or agent", () => {
  const s = k3sServiceSettings({ k3os: { k3s_args: ["server", "--cluster-cidr", "10.107.0.0/23", "--tls-san=a b"] } }, "local", "v1");
  assert.deepEqual(s.args.slice(0, 4), ["server", "--cluster-cidr", "10.107.0.0/23", "--tls-san=a b"]);
  assert.throws(() => k3sServiceSettings({ k3os: { k3s_args: ["--cluster-init"] } }, "local", "v1"), /first argument must be "server" or "agent", got "--cluster-init"/);
});

test("the service conf quotes every word so the shell gives k3s the same argv", async () => {
  const conf = renderK3sServiceConf({ args: ["server", "--tls-san=a b", "it's", "$HOME"], env: { http_proxy: "http://p:3128", K3S_TOKEN: 'se"cret$' } });
  assert.equal(
    conf.split("\n").slice(1).join("\n"),
    `command_args="server '--tls-san=a b' 'it'\\\\''s' '\\$HOME'"\nexport http_proxy="http://p:3128"\nexport K3S_TOKEN="se\\"cret\\$"\n`,
  );
  // Evaluate it as OpenRC does (eval of command_args) and compare the words.
  const { execFileSync } = await import("node:child_process");
  const out = execFileSync("sh", ["-c", `${conf}\neval "set -- $command_args"; for a in "$@"; do printf '%s\\n' "$a"; done; printf '%s\\n' "$K3S_TOKEN"`]);
  assert.equal(out.toString(), "server\n--tls-san=a b\nit's\n$HOME\nse\"cret$\n");
});

test("at runtime a changed setting restarts a running k3s; an unchanged one does not", async () => {
  const root = await makeRoot({ "/run/k3os/mode": "local\n" });
  const runner = new RecordingRunner();
  const { ctx } = makeContext(root, { runner, phase: "runtime" });
  await applyK3sService({ k3os: { labels: { a: "1" } } }, ctx);
  await applyK3sService({ k3os: { labels: { a: "1" } } }, ctx);
  assert.deepEqual(runner.calls.map((c) => c.argv), [["rc-service", "--ifstarted", "k3s-service", "restart"]]);
  assert.match(await readFile(`${root}/etc/conf.d/k3s-service`, "utf8"), /--node-label a=1 --node-label k3os.io\/mode=local/);
});
