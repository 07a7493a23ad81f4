// Writes the bundled manifests into server/manifests/ at every server start, as k3s stages its own:
// a `--disable NAME` removes NAME.yaml (k3s does the same; the deployer then deletes the objects it
// had applied), and a NAME.yaml.skip beside it keeps the user's edited copy untouched.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import { ensureDir, readIfExists } from "../util/fs-util.ts";
import type { Settings } from "../cli/settings.ts";
import { renderCorednsManifest } from "./coredns.ts";
import { renderLocalStorageManifest } from "./local-storage.ts";

export const BUNDLED_MANIFESTS = ["coredns", "local-storage"] as const;
export type BundledManifest = (typeof BUNDLED_MANIFESTS)[number];

export interface StageOptions {
  dir: string;
  settings: Pick<Settings, "disable" | "clusterDns" | "clusterDomain" | "defaultLocalStoragePath">;
  /** Prefix of the node's paths (K3OS_ROOT): the storage path is a path the kubelet mounts. */
  root: string;
  nodeName: string;
  nodeIps: string[];
}

export interface StageResult {
  written: string[];
  removed: string[];
  skipped: string[];
}

export function renderBundledManifest(name: BundledManifest, o: StageOptions): string {
  if (name === "coredns") {
    return renderCorednsManifest({ clusterDns: o.settings.clusterDns[0]!, clusterDomain: o.settings.clusterDomain, nodeName: o.nodeName, nodeIps: o.nodeIps });
  }
  return renderLocalStorageManifest({ storagePath: join(o.root, o.settings.defaultLocalStoragePath) });
}

export function stageBundledManifests(o: StageOptions): StageResult {
  ensureDir(o.dir);
  const result: StageResult = { written: [], removed: [], skipped: [] };
  for (const name of BUNDLED_MANIFESTS) {
    const file = join(o.dir, `${name}.yaml`);
    if ((o.settings.disable as readonly string[]).includes(name)) {
      if (existsSync(file)) {
        rmSync(file, { force: true });
        result.removed.push(file);
      }
      continue;
    }
    if (existsSync(`${file}.skip`)) {
      result.skipped.push(file);
      continue;
    }
    const text = renderBundledManifest(name, o);
    // Unchanged content keeps its mtime, so the deployer's watch does not fire at every start.
    if (readIfExists(file) !== text) writeFileAtomicSync(file, text, { mode: 0o600 });
    result.written.push(file);
  }
  return result;
}
