// The one way the builder's and scripts' entry points end: --help 0 on stdout, a usage error 2
// with the synopsis on stderr, any other failure 1 with "NAME: error: ...".
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "node:util";
import { positiveInt, runCli, UsageError, wantsHelp } from "../../../builder/cli-args.ts";

const cli = { name: "k3os-x", usage: "usage: k3os-x [--runs N]", details: "  --runs N  how many" };

async function run(args: string[], main: (args: string[]) => Promise<number | void>) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(cli, args, main, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const strictMain = async (args: string[]) => {
  const { values } = parseArgs({ args, strict: true, options: { runs: { type: "string", default: "1" } } });
  positiveInt("--runs", values.runs);
  return 0;
};

test("--help prints the synopsis and details on stdout and exits 0 without running the command", async () => {
  let ran = false;
  const r = await run(["--runs", "2", "--help"], async () => {
    ran = true;
  });
  assert.deepEqual(r, { code: 0, stdout: "usage: k3os-x [--runs N]\n  --runs N  how many\n", stderr: "" });
  assert.equal(ran, false);
  assert.equal(wantsHelp(["--", "--help"]), false, "after -- it is an argument");
});

test("an unknown option, a missing value and a bad value exit 2 with the problem and the synopsis", async () => {
  const unknown = await run(["--fast"], strictMain);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, "k3os-x: Unknown option '--fast'\nusage: k3os-x [--runs N]\n(k3os-x --help says more)\n");
  const missing = await run(["--runs"], strictMain);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^k3os-x: Option '--runs <value>' argument missing\nusage: /);
  const bad = await run(["--runs", "0"], strictMain);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^k3os-x: --runs wants a positive whole number, got "0"\n/);
  assert.equal((await run([], async () => { throw new UsageError("a command is needed"); })).code, 2);
});

test("a failure that is not about the command line exits 1 without the synopsis; success returns main's code", async () => {
  const r = await run([], async () => {
    throw new Error("mksquashfs failed");
  });
  assert.deepEqual(r, { code: 1, stdout: "", stderr: "k3os-x: error: mksquashfs failed\n" });
  assert.equal((await run([], async () => 3)).code, 3);
  assert.equal((await run(["--runs", "2"], strictMain)).code, 0);
});
