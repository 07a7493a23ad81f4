// Where the bundled manifests' text comes from: manifests/NAME.yaml beside this module when run
// from source. The bundle has no such directory: scripts/build.mjs replaces this whole module with
// one that returns the files' text, inlined at build time. Keep it this one function.
import { readFileSync } from "node:fs";

/** The text of manifests/NAME.yaml. */
export function readManifestTemplate(name: string): string {
  return readFileSync(new URL(`./manifests/${name}.yaml`, import.meta.url), "utf8");
}
