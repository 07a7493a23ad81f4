// The `k3os` command line: every usage error exits 2 (as the README promises), --strict applies nothing.
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { test } from "node:test";
import { k3osMain } from "../../../src/cli/k3os.ts";
import { VERSION } from "../../../src/version.ts";
import { BASE_NODE, makeRoot } from "../../helpers/temp-root.ts";

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = process.exitCode;
  const code = await k3osMain(args, { out: (t) => out.push(t), err: (l) => err.push(l) });
  process.exitCode = saved;
  return { code, out: out.join(""), err: err.join("\n") };
}

const USAGE_ERRORS: [string, string[], RegExp][] = [
  ["an unknown option", ["config", "--bogus"], /--bogus/],
  ["an unknown command", ["bogus"], /unknown command "bogus"/],
  ["no command", [], /usage: k3os/],
  ["--root without its value", ["config", "--root"], /--root/],
  ["an empty --root (it would mean the host's /)", ["config", "--dump", "--root", ""], /--root must not be empty/],
  ["a stray argument", ["config", "extra"], /extra/],
  ["two modes at once", ["config", "--boot", "--dump", "--root", "/nonexistent"], /choose one of/],
  ["a value given to a flag", ["config", "--dump=yes"], /--dump/],
];
for (const [what, args, message] of USAGE_ERRORS) {
  test(`${what} is a usage error: exit 2 with a message`, async () => {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, message);
  });
}

test("--help and --version print and exit 0", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /usage: k3os/);
  const configHelp = await run(["config", "--help"]);
  assert.equal(configHelp.code, 0);
  assert.match(configHelp.out, /--strict/);
  const version = await run(["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.out.trim(), VERSION);
});

test("config runs through the command line with its flags", async () => {
  const root = await makeRoot({ "/k3os/system/config.yaml": "hostname: node1\n" });
  const r = await run(["config", "--dump-json", "--root", root]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), { hostname: "node1" });
});

test("--strict rejects a source with warnings and applies nothing at all, naming the file", async () => {
  const root = await makeRoot({
    ...BASE_NODE,
    "/k3os/system/config.yaml": "hostname: node1\n",
    "/var/lib/rancher/k3os/config.d/50-typo.yaml": "hostnme: node2\n",
  });
  const r = await run(["config", "--boot", "--strict", "--root", root]);
  assert.equal(r.code, 1);
  assert.match(r.err, /config\.d\/50-typo\.yaml:1: hostnme: unknown key/);
  assert.match(r.err, /--strict: nothing applied.*50-typo\.yaml/);
  await assert.rejects(stat(`${root}/etc/hostname`));
});
