// The import rules of docs/architecture.md hold over the real source tree (test/unit/import-rules.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkImports, formatViolation, importSpecifiers, KNOWN_EXCEPTIONS, readSourceTree, RULES } from "./import-rules.ts";

const repo = join(import.meta.dirname, "..", "..");
const tree = readSourceTree(repo);

describe("import rules", () => {
  it("hold for every .ts under src/, builder/, scripts/ and test/", () => {
    assert.ok(tree.size > 200 && tree.has("src/k3s/cli.ts") && tree.has("builder/stages/kube-layer.ts"), "the real tree was read");
    const broken = checkImports(tree).map(formatViolation);
    assert.deepEqual(broken, [], `\n${broken.join("\n")}`);
  });

  it("each known exception still occurs (remove it once its edge is gone)", () => {
    const all = checkImports(tree, RULES, []);
    for (const e of KNOWN_EXCEPTIONS) {
      assert.ok(all.some((v) => v.file === e.file && v.target === e.target && v.rule === e.rule), `stale exception: ${e.file} -> ${e.target}`);
    }
  });

  it("name the file, the import and the rule a file breaks", () => {
    const files = new Map([
      ["src/k3s/layout/paths.ts", 'import type { Settings } from "../cli/settings.ts";\n// import { x } from "../../../test/y.ts";\n'],
      ["src/k3s/agent/run-agent.ts", 'import { missingPrograms } from "../server/run-server.ts";\n'],
      ["builder/stages/kube-layer.ts", 'import { nodePaths } from "../../src/k3s/layout/paths.ts";\nimport { SYSTEM_IMAGES_DIR } from "../../src/k3s/agent/images.ts";\n'],
      ["src/k3s/agent/host-facts.ts", 'export { hasSysResource } from "../control/containerd-config.ts";\n'],
      ["src/config/load.ts", 'const m = await import("../../builder/kube/versions.ts");\n'],
    ]);
    assert.deepEqual(checkImports(files).map(formatViolation), [
      'src/k3s/layout/paths.ts: import "../cli/settings.ts" (src/k3s/cli/settings.ts) breaks layout-is-dependency-free: layout/ is imported by the builder: it imports nothing of the repo',
      'src/k3s/agent/run-agent.ts: import "../server/run-server.ts" (src/k3s/server/run-server.ts) breaks agent-not-server-side: the agent is a client: it never imports server/, listener/ (the handlers) or cluster/',
      'src/k3s/agent/run-agent.ts: import "../server/run-server.ts" (src/k3s/server/run-server.ts) breaks server-is-top: only the CLI entry starts a server: nothing below imports server/',
      'builder/stages/kube-layer.ts: import "../../src/k3s/agent/images.ts" (src/k3s/agent/images.ts) breaks builder-k3s-layout-only: the builder needs where k3s keeps things, not how it runs',
      'src/k3s/agent/host-facts.ts: import "../control/containerd-config.ts" (src/k3s/control/containerd-config.ts) breaks host-facts-is-a-leaf: host facts are read before any component argument exists',
      'src/config/load.ts: import "../../builder/kube/versions.ts" (builder/kube/versions.ts) breaks src-is-self-contained: the node agent never depends on the image builder or the tests',
    ]);
  });

  it("read static, type-only, re-export, side-effect and dynamic imports", () => {
    assert.deepEqual(importSpecifiers('import a from "./a.ts";\nimport type { B } from "../b.ts";\nexport * from "./c.ts";\nimport "./d.ts";\nconst e = await import("./e.ts");\nimport f from "node:fs";\n'), ["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  });
});
