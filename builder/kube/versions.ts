// The pinned versions file (builder/versions.json): read, validated, and checked against go.mod so
// the versions a binary prints can never drift from the module versions it was built from.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const kubeDir = dirname(fileURLToPath(import.meta.url));
export const versionsPath = join(kubeDir, "..", "versions.json");

const componentSchema = z.object({
  /** Go module path the component is built from (k8s.io/* for the staging modules). */
  module: z.string(),
  /** Module version, with the leading v. */
  version: z.string().regex(/^v\d+\.\d+\.\d+$/),
  /** go-module: built here from builder/kube/go.mod; image: packed as an image archive. */
  source: z.enum(["go-module", "image"]),
  /** Needs cgo (and so gcc and the C libraries in debianBuildDeps). */
  cgo: z.boolean().optional(),
  buildTags: z.array(z.string()).optional(),
  /** Debian packages the build needs; installed with apt-get when missing. */
  debianBuildDeps: z.array(z.string()).optional(),
  /** The commands this component provides. */
  binaries: z.array(z.string()),
});

const versionsSchema = z.object({
  $comment: z.string().optional(),
  go: z.object({ toolchain: z.string().regex(/^go\d+\.\d+\.\d+$/) }),
  components: z.record(z.string(), componentSchema),
});

export type Component = z.infer<typeof componentSchema>;
export type Versions = z.infer<typeof versionsSchema>;

export async function readVersions(path = versionsPath): Promise<Versions> {
  const parsed = versionsSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${path}: .${i.path.join(".")}: ${i.message}`);
    throw new Error(problems.join("\n"));
  }
  return parsed.data;
}

/** The version of one component; throws naming the component when the file lacks it. */
export function versionOf(versions: Versions, name: string): string {
  const c = versions.components[name];
  if (!c) throw new Error(`${versionsPath}: no component "${name}"`);
  return c.version;
}

/**
 * Every go-module component must be required in go.mod at exactly its pinned version (the
 * k8s.io/* staging modules through go.mod's replace block), or the stamps would lie.
 */
export function checkGoMod(versions: Versions, goMod: string): string[] {
  const problems: string[] = [];
  for (const [name, c] of Object.entries(versions.components)) {
    if (c.source !== "go-module") continue;
    if (c.module === "k8s.io/*") {
      const replaced = [...goMod.matchAll(/^\s*(k8s\.io\/[\w-]+) => k8s\.io\/[\w-]+ (v\S+)/gm)];
      if (replaced.length === 0) problems.push(`go.mod: no k8s.io staging replaces (component ${name})`);
      for (const [, mod, v] of replaced) {
        if (v !== c.version) problems.push(`go.mod: ${mod} is replaced to ${v}, versions.json pins ${name} ${c.version}`);
      }
      continue;
    }
    const re = new RegExp(`^\\s*(?:require\\s+)?${c.module.replaceAll(".", "\\.")} (v\\S+)`, "m");
    const found = goMod.match(re)?.[1];
    if (found !== c.version) {
      problems.push(`go.mod: ${c.module} is ${found ?? "not required"}, versions.json pins ${name} ${c.version}`);
    }
  }
  return problems;
}
