import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseOptionArgs, UsageError, type OptionSpec } from "../../../src/k3s/cli/argv.ts";
import { parseNodeArgs } from "../../../src/k3s/cli/parse-node-args.ts";
import { k3sMain, type K3sIo } from "../../../src/k3s/cli.ts";
import { tempRoot, writeFile } from "./helpers.ts";

const CONFIG = "etc/rancher/k3s/config.yaml";

function settings(argv: string[], config?: string) {
  const root = tempRoot();
  if (config !== undefined) writeFile(root, CONFIG, config);
  const r = parseNodeArgs("server", argv, { env: {}, root });
  assert.ok(r.kind === "settings");
  return r.settings;
}

function io(env: Record<string, string> = {}): K3sIo & { out: string; err: string } {
  const r = { env, out: "", err: "", stdout: (t: string) => void (r.out += t), stderr: (t: string) => void (r.err += t) };
  return r;
}

describe("k3s argument parsing where parseArgs alone would differ from k3s", () => {
  it("reads -t=x as the value x, as k3s does, and -t x and --token=x alike", () => {
    assert.equal(settings(["-t=x"]).token, "x");
    assert.equal(settings(["-t", "x"]).token, "x");
    assert.equal(settings(["--token=x"]).token, "x");
    assert.equal(settings(["-o=/k.yaml"]).writeKubeconfig, "/k.yaml");
  });

  it("keeps the last value of a single-valued flag given twice, and every value of a list flag", () => {
    const s = settings(["--node-name", "a", "--node-name=b", "-i", "10.0.0.1", "--node-ip=10.0.0.2,10.0.0.3"]);
    assert.equal(s.nodeName, "b");
    assert.deepEqual(s.nodeIp, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
  });

  it("takes --bool, --bool=true and --bool=false, the last one winning over the config file's", () => {
    assert.equal(settings(["--debug=false"], "debug: true\n").debug, false);
    assert.equal(settings(["--debug"], "debug: false\n").debug, true);
    assert.equal(settings(["--cluster-init=true", "--cluster-init=false"]).clusterInit, false);
    assert.throws(() => settings(["--debug=maybe"]), (e: unknown) => e instanceof UsageError && /--debug: expected true or false, got "maybe"/.test(e.message));
  });

  it("refuses a flag without its value, naming the flag", () => {
    assert.throws(() => settings(["--node-name"]), (e: unknown) => e instanceof UsageError && /k3s server: .*--node-name <value>' argument missing/.test(e.message));
    // A value that looks like a flag is ambiguous: k3s would take it, parseArgs asks for --node-name=--debug.
    assert.throws(() => settings(["--node-name", "--debug"]), (e: unknown) => e instanceof UsageError && /'--node-name' argument is ambiguous/.test(e.message));
    assert.equal(settings(["--token=--debug"]).token, "--debug");
  });

  it("counts positionals and refuses an option not in the table", () => {
    const specs: OptionSpec[] = [{ name: "ttl", kind: "string", help: "" }];
    assert.deepEqual(parseOptionArgs(specs, ["a", "--ttl", "1h"], { command: "t", positionals: { min: 1, max: 1 } }).positionals, ["a"]);
    assert.throws(() => parseOptionArgs(specs, [], { command: "t", positionals: { min: 1, max: 1 } }), /t: missing argument/);
    assert.throws(() => parseOptionArgs(specs, ["a", "b"], { command: "t", positionals: { min: 1, max: 1 } }), /t: unexpected argument b/);
    assert.throws(() => parseOptionArgs(specs, ["--nope=1"], { command: "t" }), /t: flag --nope is not supported/);
  });
});

describe("the k3s command's usage errors and help", () => {
  it("exits 2 on a missing value, an excess argument, an unknown command or none", async () => {
    for (const [argv, message] of [
      [["server", "--token"], /k3s server: .*--token <value>' argument missing/],
      [["server", "extra"], /k3s server: unexpected argument extra/],
      [["agent", "--", "extra"], /k3s agent: unexpected argument extra/],
      [["frobnicate"], /k3s: unknown command "frobnicate"/],
      [[], /k3s: no command given/],
      [["token", "delete"], /k3s token delete: missing argument/],
      [["killall", "--data-dir"], /k3s killall: .*--data-dir <value>' argument missing/],
    ] as const) {
      const x = io({ K3OS_ROOT: tempRoot() });
      assert.equal(await k3sMain([...argv], x), 2, argv.join(" "));
      assert.match(x.err, message);
    }
  });

  it("prints the commands for k3s --help and the flag table for k3s server --help, exit 0", async () => {
    const top = io();
    assert.equal(await k3sMain(["--help"], top), 0);
    assert.match(top.out, /^usage: k3s .*\n[\s\S]*commands:\n[\s\S]*  server +Run management server\n[\s\S]*  killall +Kill/);
    const server = io({ K3OS_ROOT: tempRoot() });
    assert.equal(await k3sMain(["server", "--help"], server), 0);
    assert.match(server.out, /  -t, --token value +Shared secret .* \[\$K3S_TOKEN\]\n/);
    assert.match(server.out, /      --cluster-init +Initialize/);
    assert.match(server.out, /--https-listen-port value +HTTPS listen port \(default: 6443\)/);
    const agent = io({ K3OS_ROOT: tempRoot() });
    assert.equal(await k3sMain(["agent", "-h"], agent), 0);
    assert.doesNotMatch(agent.out, /--cluster-init/);
    const create = io();
    assert.equal(await k3sMain(["token", "create", "--help"], create), 0);
    assert.match(create.out, /--ttl value +The duration .* \(default: 24h\)/);
  });
});
