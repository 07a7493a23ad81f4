// The bundled manifests are k3s-style templates: manifests/NAME.yaml with %{NAME}% placeholders
// (k3s's own syntax), filled in when a server stages them.
import { readManifestTemplate } from "./manifest-files.ts";

const PLACEHOLDER = /%\{([A-Z][A-Z0-9_]*)\}%/g;

/**
 * Fills every %{NAME}% of a manifest. A value of several lines keeps the placeholder's indentation
 * on each of its lines (a block scalar stays one). Fails, naming the manifest and the placeholder,
 * for a placeholder without a value, a value no placeholder takes, and anything left that looks
 * like a placeholder but is not one (`%{cluster_dns}%`, `%{CLUSTER_DNS}`).
 */
export function fillManifest(manifest: string, template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const out = template.replace(PLACEHOLDER, (whole, name: string, offset: number) => {
    const value = values[name];
    if (value === undefined) throw new Error(`manifest ${manifest}: no value for ${whole}`);
    used.add(name);
    const lineStart = template.lastIndexOf("\n", offset) + 1;
    const indent = /^[ \t]*/.exec(template.slice(lineStart, offset))![0];
    return value.replace(/\n(?=[^\n])/g, `\n${indent}`);
  });
  const left = /%\{[^\n]*?\}%?|\{[A-Za-z0-9_]+\}%/.exec(template.replace(PLACEHOLDER, ""));
  if (left) throw new Error(`manifest ${manifest}: placeholder ${left[0]} left over (placeholders are %{UPPER_CASE}%)`);
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`manifest ${manifest}: no placeholder %{${unused[0]}}% for the value given`);
  return out;
}

/** manifests/NAME.yaml with its placeholders filled. */
export function renderManifest(name: string, values: Readonly<Record<string, string>>): string {
  return fillManifest(name, readManifestTemplate(name), values);
}
