import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryLogger } from "../../../src/system/log.ts";
import { readConfigArgs } from "../../../src/k3s/cli/config-file.ts";
import { parseNodeArgs } from "../../../src/k3s/cli/parse-node-args.ts";
import { UnsupportedFlagError } from "../../../src/k3s/cli/flags.ts";
import { tempRoot, writeFile } from "./helpers.ts";

const CONFIG = "etc/rancher/k3s/config.yaml";

describe("k3s config files", () => {
  it("turns keys into --flag=value arguments, one per list element, in first-seen order", () => {
    const root = tempRoot();
    const f = writeFile(root, CONFIG, "token: abc\nnode-label:\n  - a=b\n  - c=d\ncluster-init: true\n");
    assert.deepEqual(readConfigArgs(f, "server", { explicit: false }).args, [
      "--token=abc",
      "--node-label=a=b",
      "--node-label=c=d",
      "--cluster-init=true",
    ]);
  });

  it("reads config.yaml.d drop-ins in name order, a later key replacing an earlier one", () => {
    const root = tempRoot();
    const f = writeFile(root, CONFIG, "node-name: first\nnode-label: [a=1]\n");
    writeFile(root, `${CONFIG}.d/20-b.yaml`, "node-name: third\n");
    writeFile(root, `${CONFIG}.d/10-a.yml`, "node-name: second\nnode-label: [b=2]\n");
    writeFile(root, `${CONFIG}.d/30-ignored.txt`, "node-name: nope\n");
    const r = readConfigArgs(f, "server", { explicit: false });
    assert.deepEqual(r.args, ["--node-name=third", "--node-label=b=2"]);
    assert.equal(r.files.length, 3);
  });

  it("appends to an earlier list with a key+ entry", () => {
    const root = tempRoot();
    const f = writeFile(root, CONFIG, "node-label: [a=1]\n");
    writeFile(root, `${CONFIG}.d/10.yaml`, "node-label+: [b=2]\n");
    writeFile(root, `${CONFIG}.d/20.yaml`, "node-label+: c=3\n");
    assert.deepEqual(readConfigArgs(f, "agent", { explicit: false }).args, ["--node-label=a=1", "--node-label=b=2", "--node-label=c=3"]);
  });

  it("refuses a key that names no supported flag, naming the file", () => {
    const root = tempRoot();
    const f = writeFile(root, CONFIG, "secrets-encryption: true\n");
    assert.throws(() => readConfigArgs(f, "server", { explicit: false }), (e: unknown) => {
      assert.ok(e instanceof UnsupportedFlagError);
      assert.match(e.message, /secrets-encryption/);
      assert.match(e.message, /config\.yaml/);
      assert.match(e.message, /--tls-san/);
      return true;
    });
  });

  it("skips a server-only key for an agent with a warning, as k3s does", () => {
    const root = tempRoot();
    const f = writeFile(root, CONFIG, "tls-san: [x]\nnode-name: n1\n");
    const log = memoryLogger();
    assert.deepEqual(readConfigArgs(f, "agent", { explicit: false, log }).args, ["--node-name=n1"]);
    assert.match(log.lines.join("\n"), /tls-san applies to k3s server only/);
  });

  it("fails when a config file named explicitly does not exist, but not for the default one", () => {
    const root = tempRoot();
    assert.deepEqual(readConfigArgs(`${root}/${CONFIG}`, "server", { explicit: false }).args, []);
    assert.throws(() => readConfigArgs(`${root}/nope.yaml`, "server", { explicit: true }), /does not exist/);
  });
});

describe("k3s server and agent arguments", () => {
  it("lets a command-line scalar override the config file and adds command-line list values to the file's", () => {
    const root = tempRoot();
    writeFile(root, CONFIG, "node-name: from-file\nnode-label: [a=1]\nhttps-listen-port: 7443\n");
    const r = parseNodeArgs("server", ["--node-name", "from-cli", "--node-label=b=2"], { env: {}, root });
    assert.equal(r.kind, "settings");
    if (r.kind !== "settings") return;
    assert.equal(r.settings.nodeName, "from-cli");
    assert.deepEqual(r.settings.nodeLabel, ["a=1", "b=2"]);
    assert.equal(r.settings.httpsListenPort, 7443);
  });

  it("takes K3S_* environment variables below the config file and the command line", () => {
    const root = tempRoot();
    writeFile(root, CONFIG, "token: file-token\n");
    const env = { K3S_TOKEN: "env-token", K3S_NODE_NAME: "env-node", K3S_KUBECONFIG_MODE: "644", K3S_URL: "https://10.0.0.1:6443" };
    const r = parseNodeArgs("agent", [], { env, root });
    assert.ok(r.kind === "settings");
    assert.equal(r.settings.token, "file-token");
    assert.equal(r.settings.nodeName, "env-node");
    assert.equal(r.settings.server, "https://10.0.0.1:6443");
  });

  it("uses the config file named by K3S_CONFIG_FILE or --config", () => {
    const root = tempRoot();
    writeFile(root, "other.yaml", "node-name: other\n");
    const a = parseNodeArgs("server", ["--config", "/other.yaml"], { env: {}, root });
    const b = parseNodeArgs("server", [], { env: { K3S_CONFIG_FILE: "/other.yaml" }, root });
    assert.ok(a.kind === "settings" && b.kind === "settings");
    assert.equal(a.settings.nodeName, "other");
    assert.equal(b.settings.nodeName, "other");
  });

  it("refuses an unsupported command-line flag with its name and the supported ones", () => {
    const root = tempRoot();
    assert.throws(() => parseNodeArgs("server", ["--secrets-encryption"], { env: {}, root }), (e: unknown) => {
      assert.ok(e instanceof UnsupportedFlagError);
      assert.match(e.message, /flag --secrets-encryption/);
      assert.match(e.message, /--cluster-init/);
      return true;
    });
    assert.throws(() => parseNodeArgs("agent", ["--cluster-init"], { env: {}, root }), /--cluster-init/);
  });

  it("splits comma-separated address lists but not labels or component args", () => {
    const root = tempRoot();
    const r = parseNodeArgs(
      "server",
      ["--tls-san=a.example,10.0.0.9", "--kube-apiserver-arg=enable-admission-plugins=A,B", "--node-taint=k=v:NoSchedule", "--disable=traefik,servicelb"],
      { env: {}, root },
    );
    assert.ok(r.kind === "settings");
    assert.deepEqual(r.settings.tlsSan, ["a.example", "10.0.0.9"]);
    assert.deepEqual(r.settings.kubeApiserverArg, ["enable-admission-plugins=A,B"]);
    assert.deepEqual(r.settings.disable, ["traefik", "servicelb"]);
  });

  it("reads the token from --token-file under the root", () => {
    const root = tempRoot();
    writeFile(root, "secret/t", "s3cret\n");
    const r = parseNodeArgs("server", ["--token-file", "/secret/t"], { env: {}, root });
    assert.ok(r.kind === "settings");
    assert.equal(r.settings.token, "s3cret");
  });

  it("accepts --flag=false from a config file to turn off a boolean", () => {
    const root = tempRoot();
    writeFile(root, CONFIG, "cluster-init: false\ndebug: true\n");
    const r = parseNodeArgs("server", [], { env: { K3S_CLUSTER_INIT: "true" }, root });
    assert.ok(r.kind === "settings");
    assert.equal(r.settings.clusterInit, false);
    assert.equal(r.settings.debug, true);
  });

  it("prints help for --help and parses nothing", () => {
    const root = tempRoot();
    let out = "";
    const r = parseNodeArgs("server", ["--help"], { env: {}, root, writeOut: (t) => (out += t) });
    assert.equal(r.kind, "help");
    assert.match(out, /--write-kubeconfig-mode/);
    assert.match(out, /\$K3S_TOKEN/);
  });
});
