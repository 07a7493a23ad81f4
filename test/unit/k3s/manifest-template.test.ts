import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { build, type Plugin } from "esbuild";
import { fillManifest } from "../../../src/k3s/deploy/manifest-template.ts";
import { BUNDLED_MANIFESTS, renderBundledManifest } from "../../../src/k3s/deploy/stage.ts";
import { MANIFEST_SETS } from "./manifest-sets.ts";
import { tempRoot } from "./helpers.ts";

const repo = process.cwd();
const fixture = (name: string, set: string) => readFileSync(join(repo, "test/unit/k3s/fixtures/manifests", `${name}.${set}.yaml`), "utf8");

describe("manifest placeholders", () => {
  it("fills every %{NAME}%, a value of several lines indented as its placeholder", () => {
    const t = "a: %{A}%\nb: |\n    %{LINES}%\nc: %{A}%-x\n";
    assert.equal(fillManifest("m", t, { A: "1", LINES: "x\n\ny" }), "a: 1\nb: |\n    x\n\n    y\nc: 1-x\n");
    // A value is not searched for placeholders, and ${VAR} (shell) is not one.
    assert.equal(fillManifest("m", 'p: "%{P}%"\ns: "${VOL_DIR}"\n', { P: "%{Q}%" }), 'p: "%{Q}%"\ns: "${VOL_DIR}"\n');
  });

  it("fails naming the manifest and the placeholder for a missing value, an unused value or a left-over placeholder", () => {
    assert.throws(() => fillManifest("coredns", "ip: %{CLUSTER_DNS}%\n", {}), /^Error: manifest coredns: no value for %\{CLUSTER_DNS\}%$/);
    assert.throws(() => fillManifest("coredns", "ip: %{CLUSTER_DNS}%\n", { CLUSTER_DNS: "x", CLUSTER_DOMIAN: "y" }), /manifest coredns: no placeholder %\{CLUSTER_DOMIAN\}%/);
    assert.throws(() => fillManifest("local-storage", "p: %{default_path}%\n", {}), /manifest local-storage: placeholder %\{default_path\}% left over/);
    assert.throws(() => fillManifest("local-storage", "p: %{PATH}\n", {}), /manifest local-storage: placeholder %\{PATH\} left over/);
  });
});

describe("the bundled manifests from manifests/*.yaml", () => {
  it("render, from source, the same bytes as the TypeScript templates they replaced", () => {
    for (const [set, o] of Object.entries(MANIFEST_SETS)) {
      for (const name of BUNDLED_MANIFESTS) assert.equal(renderBundledManifest(name, o), fixture(name, set), `${name}.${set}`);
    }
  });

  it("render the same bytes from a bundle built as scripts/build.mjs builds k3s, away from the source tree", async () => {
    const dir = tempRoot();
    const entry = join(dir, "entry.ts");
    writeFileSync(
      entry,
      `import { BUNDLED_MANIFESTS, renderBundledManifest } from ${JSON.stringify(join(repo, "src/k3s/deploy/stage.ts"))};\n` +
        `import { MANIFEST_SETS } from ${JSON.stringify(join(repo, "test/unit/k3s/manifest-sets.ts"))};\n` +
        "const out: Record<string, string> = {};\n" +
        "for (const [set, o] of Object.entries(MANIFEST_SETS)) for (const n of BUNDLED_MANIFESTS) out[`${n}.${set}`] = renderBundledManifest(n, o);\n" +
        "process.stdout.write(JSON.stringify(out));\n",
    );
    // A specifier tsc does not follow: build.mjs is plain JavaScript without type declarations.
    const { inlineManifests } = (await import(pathToFileURL(join(repo, "scripts/build.mjs")).href)) as { inlineManifests: Plugin };
    const outfile = join(dir, "k3s.cjs");
    await build({ entryPoints: [entry], outfile, bundle: true, platform: "node", format: "cjs", logLevel: "error", plugins: [inlineManifests] });
    const r = spawnSync(process.execPath, [outfile], { encoding: "utf8", cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, string>;
    assert.equal(Object.keys(out).length, Object.keys(MANIFEST_SETS).length * BUNDLED_MANIFESTS.length);
    for (const [key, text] of Object.entries(out)) {
      const [name, set] = key.split(".") as [string, string];
      assert.equal(text, fixture(name, set), key);
    }
  });
});
