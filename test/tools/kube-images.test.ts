// The node's image archives (pause, CoreDNS, local-path-provisioner, busybox) are built without a
// registry and are reproducible: packing the same inputs again gives the same bytes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { compileStaticC, packImage } from "../../builder/kube/images.ts";
import { ensureKubeComponents } from "../../builder/kube/build.ts";
import { corednsImageSpec, ensureNodeImages, nodeImageRefs, type NodeImages } from "../../builder/kube/node-images.ts";
import { sha256File } from "../../builder/output/checksums.ts";
import { kubeDir, readVersions } from "../../builder/kube/versions.ts";

describe("node images", () => {
  let images: NodeImages;
  let work: string;

  before(async () => {
    images = await ensureNodeImages();
    work = await mkdtemp(join(tmpdir(), "k3os-images-"));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("every node image is an archive that carries its pinned reference", () => {
    assert.deepEqual(Object.keys(images.images).sort(), ["busybox", "coredns", "local-path-provisioner", "pause"]);
    for (const [name, img] of Object.entries(images.images)) {
      const r = spawnSync("tar", ["-xOf", img.archive, "manifest.json"], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const manifest = JSON.parse(r.stdout) as { RepoTags: string[] }[];
      assert.deepEqual(manifest[0]?.RepoTags, [img.ref], name);
    }
  });

  test("a second ensureNodeImages is a cache hit", async () => {
    const again = await ensureNodeImages({ log: () => assert.fail("a warm run must not build") });
    assert.equal(again.built, false);
    assert.equal(again.dir, images.dir);
  });

  test("the pause image packed again from the same source has the same sha256", async () => {
    await compileStaticC(join(kubeDir, "images", "pause.c"), join(work, "pause"));
    const spec = { files: [{ src: join(work, "pause"), dest: "/pause" }], entrypoint: ["/pause"] };
    const ref = nodeImageRefs(await readVersions()).pause!;
    const a = await packImage({ ref, ...spec }, join(work, "a.tar"));
    const b = await packImage({ ref, ...spec }, join(work, "b.tar"));
    assert.equal(a.sha256, b.sha256);
    assert.equal(a.sha256, await sha256File(images.images.pause!.archive));
  });

  test("the CoreDNS image carries the trimmed binary of the components build and packs again to the same sha256", async () => {
    const kube = await ensureKubeComponents();
    const spec = corednsImageSpec(kube);
    const again = await packImage(spec, join(work, "coredns.tar"));
    assert.equal(again.sha256, images.images.coredns!.sha256);
    assert.equal(again.sha256, await sha256File(images.images.coredns!.archive));
    // The one layer holds /coredns, byte for byte the built binary.
    const layers = spawnSync("tar", ["-xOf", again.archive, "manifest.json"], { encoding: "utf8" });
    const layer = (JSON.parse(layers.stdout) as { Layers: string[] }[])[0]!.Layers[0]!;
    const inner = spawnSync("sh", ["-c", 'tar -xOf "$1" "$2" | tar -xOf - coredns | sha256sum', "sh", again.archive, layer], { encoding: "utf8" });
    assert.equal(inner.status, 0, inner.stderr);
    assert.equal(inner.stdout.split(" ")[0], await sha256File(kube.binaries.coredns!));
  });
});
