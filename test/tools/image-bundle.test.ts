// The node's image archives merged into one docker archive keep every image, and the merge is reproducible.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { mergeDockerArchives } from "../../builder/stages/image-bundle.ts";

const root = mkdtempSync(join(tmpdir(), "k3os-bundle-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A minimal docker archive as `docker save` lays it out (real tar, our bytes). */
function dockerArchive(name: string, repo: string, tag: string, sharedLayer: string): string {
  const dir = join(root, `src-${name}`);
  mkdirSync(dir, { recursive: true });
  const layer = `${name}-layer.tar`;
  writeFileSync(join(dir, layer), `layer of ${name}`);
  writeFileSync(join(dir, "shared.tar"), sharedLayer);
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ config: name }));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify([{ Config: `${name}.json`, RepoTags: [`${repo}:${tag}`], Layers: ["shared.tar", layer] }]));
  writeFileSync(join(dir, "repositories"), JSON.stringify({ [repo]: { [tag]: name } }));
  const out = join(root, `${name}.tar`);
  execFileSync("tar", ["-cf", out, "-C", dir, "."]);
  return out;
}

const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

describe("mergeDockerArchives", () => {
  const a = dockerArchive("a", "localhost/k3os/pause", "3.10", "same bytes");
  const b = dockerArchive("b", "localhost/k3os/busybox", "1.35", "same bytes");
  const runner = new ProcessRunner();

  it("writes one archive whose manifest.json lists every image with its blobs present", async () => {
    const out = join(root, "merged.tar");
    await mergeDockerArchives({ runner, archives: [a, b], work: join(root, "w1"), out, epoch: 1700000000 });
    const manifest = JSON.parse(execFileSync("tar", ["-xOf", out, "manifest.json"], { encoding: "utf8" })) as { RepoTags: string[]; Layers: string[]; Config: string }[];
    assert.deepEqual(manifest.map((m) => m.RepoTags[0]), ["localhost/k3os/pause:3.10", "localhost/k3os/busybox:1.35"]);
    const files = execFileSync("tar", ["-tf", out], { encoding: "utf8" }).trim().split("\n").map((f) => f.replace(/^\.\//, ""));
    for (const m of manifest) for (const f of [m.Config, ...m.Layers]) assert.ok(files.includes(f), `${f} in the archive`);
    const repos = JSON.parse(execFileSync("tar", ["-xOf", out, "repositories"], { encoding: "utf8" })) as Record<string, unknown>;
    assert.deepEqual(Object.keys(repos).sort(), ["localhost/k3os/busybox", "localhost/k3os/pause"]);
  });

  it("gives the same bytes for the same inputs", async () => {
    const one = join(root, "m1.tar");
    const two = join(root, "m2.tar");
    await mergeDockerArchives({ runner, archives: [a, b], work: join(root, "w2"), out: one, epoch: 1700000000 });
    await mergeDockerArchives({ runner, archives: [a, b], work: join(root, "w3"), out: two, epoch: 1700000000 });
    assert.equal(sha(one), sha(two));
  });

  it("refuses two archives that carry the same image name", async () => {
    await assert.rejects(
      mergeDockerArchives({ runner, archives: [a, a], work: join(root, "w4"), out: join(root, "dup.tar"), epoch: 1 }),
      /localhost\/k3os\/pause:3.10 is in two of/,
    );
  });
});
