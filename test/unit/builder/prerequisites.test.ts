import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { ensureHostPackages, findMissingPackages } from "../../../builder/host/prerequisites.ts";

test("a package counts as present only when dpkg says install ok installed", () => {
  const out = "xorriso install ok installed\nmtools deinstall ok config-files\nzstd:amd64 install ok installed\n";
  assert.deepEqual(findMissingPackages(["xorriso", "mtools", "zstd", "cpio"], out), ["mtools", "cpio"]);
});

test("missing host packages are installed with one apt-get update and one install without recommends", async () => {
  const runner = new RecordingRunner((argv) =>
    argv[0] === "dpkg-query" ? { exitCode: 1, stdout: "xorriso install ok installed\n" } : {},
  );
  const missing = await ensureHostPackages(runner, memoryLogger(), ["xorriso", "mtools", "cpio"]);
  assert.deepEqual(missing, ["mtools", "cpio"]);
  assert.deepEqual(runner.calls.map((c) => c.argv.slice(0, 2)), [["dpkg-query", "-W"], ["apt-get", "update"], ["apt-get", "install"]]);
  assert.deepEqual(runner.calls[2]?.argv, ["apt-get", "install", "-y", "--no-install-recommends", "mtools", "cpio"]);
  assert.equal(runner.calls[2]?.opts.env?.DEBIAN_FRONTEND, "noninteractive");
});

test("nothing is installed when every host package is present", async () => {
  const runner = new RecordingRunner(() => ({ stdout: "xorriso install ok installed\nmtools install ok installed\n" }));
  assert.deepEqual(await ensureHostPackages(runner, memoryLogger(), ["xorriso", "mtools"]), []);
  assert.equal(runner.calls.length, 1);
});
