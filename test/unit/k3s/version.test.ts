// The Kubernetes version `k3s --version` reports is the one the builder builds: builder/versions.json
// is the source of truth, src/k3s/version.ts is pinned to it here (src/ may not import builder/).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readVersions } from "../../../builder/kube/versions.ts";
import { KUBERNETES_VERSION, k3sVersionText } from "../../../src/k3s/version.ts";

describe("the k3s runtime's version", () => {
  it("names the Kubernetes version builder/versions.json pins", async () => {
    const pinned = (await readVersions()).components.kubernetes!.version;
    assert.equal(KUBERNETES_VERSION, pinned, "update src/k3s/version.ts with builder/versions.json");
    assert.match(k3sVersionText(), new RegExp(`^k3s version ${pinned.replace(/\./g, "\\.")}\\+k3os-`));
  });
});
