import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { ensureDebianPackages, ensureHostPackages, findMissingPackages } from "../../../builder/host/prerequisites.ts";

test("a package counts as present only when dpkg says install ok installed", () => {
  const out = "xorriso install ok installed\nmtools deinstall ok config-files\nzstd:amd64 install ok installed\n";
  assert.deepEqual(findMissingPackages(["xorriso", "mtools", "zstd", "cpio"], out), ["mtools", "cpio"]);
});

const asRoot = { skip: process.getuid?.() !== 0 ? "installing needs root (the check refuses otherwise)" : false };

test("missing packages are installed with one install without recommends, no apt-get update when it succeeds", asRoot, async () => {
  const runner = new RecordingRunner((argv) =>
    argv[0] === "dpkg-query" ? { exitCode: 1, stdout: "xorriso install ok installed\n" } : {},
  );
  const missing = await ensureHostPackages(runner, memoryLogger(), ["xorriso", "mtools", "cpio"]);
  assert.deepEqual(missing, ["mtools", "cpio"]);
  assert.deepEqual(runner.calls.map((c) => c.argv.slice(0, 2)), [["dpkg-query", "-W"], ["apt-get", "install"]]);
  assert.deepEqual(runner.calls[1]?.argv, ["apt-get", "install", "-y", "--no-install-recommends", "mtools", "cpio"]);
  assert.equal(runner.calls[1]?.opts.env?.DEBIAN_FRONTEND, "noninteractive");
});

test("a failed install (no package lists yet) runs apt-get update and installs again", asRoot, async () => {
  let installs = 0;
  const runner = new RecordingRunner((argv) => {
    if (argv[0] === "dpkg-query") return { exitCode: 1, stdout: "" };
    if (argv[1] === "install") return { exitCode: installs++ === 0 ? 100 : 0 };
    return {};
  });
  assert.deepEqual(await ensureDebianPackages(["gcc"], { runner }), ["gcc"]);
  assert.deepEqual(runner.calls.map((c) => c.argv.slice(0, 2).join(" ")), ["dpkg-query -W", "apt-get install", "apt-get update", "apt-get install"]);
});

test("a user other than root is told what to install instead of a failing apt-get", { skip: process.getuid?.() === 0 ? "runs as root" : false }, async () => {
  const runner = new RecordingRunner(() => ({ exitCode: 1, stdout: "" }));
  await assert.rejects(ensureDebianPackages(["gcc", "umoci"], { runner }), /missing Debian packages: gcc umoci \(run as root, or: sudo apt-get install -y gcc umoci\)/);
  assert.equal(runner.calls.length, 1);
});

test("nothing is installed when every host package is present", async () => {
  const runner = new RecordingRunner(() => ({ stdout: "xorriso install ok installed\nmtools install ok installed\n" }));
  assert.deepEqual(await ensureHostPackages(runner, memoryLogger(), ["xorriso", "mtools"]), []);
  assert.equal(runner.calls.length, 1);
});
