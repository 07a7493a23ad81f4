// The repo's import rules (docs/architecture.md), checked over the real source tree by
// test/unit/architecture.test.ts; run alone it prints every broken rule:
//   node --import tsx test/unit/import-rules.ts
// Only relative imports are checked: packages and node: builtins are not parts of the repo.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";

export interface ImportRule {
  name: string;
  /** Why, as docs/architecture.md says it. */
  why: string;
  /** True when `from` importing `to` (repo-relative paths) breaks the rule. */
  breaks: (from: string, to: string) => boolean;
}

export interface Violation {
  file: string;
  specifier: string;
  target: string;
  rule: string;
}

const under = (p: string, ...dirs: string[]) => dirs.some((d) => p === d || p.startsWith(`${d}/`));
const k3s = (sub: string) => `src/k3s/${sub}`;

export const RULES: readonly ImportRule[] = [
  { name: "src-is-self-contained", why: "the node agent never depends on the image builder or the tests", breaks: (f, t) => under(f, "src") && under(t, "builder", "test") },
  { name: "builder-not-tests", why: "the builder runs without the test tree", breaks: (f, t) => under(f, "builder") && under(t, "test") },
  { name: "builder-k3s-layout-only", why: "the builder needs where k3s keeps things, not how it runs", breaks: (f, t) => under(f, "builder") && under(t, "src/k3s") && !under(t, k3s("layout")) },
  { name: "system-is-the-base", why: "src/system is the shared base: it imports no other part", breaks: (f, t) => under(f, "src/system") && under(t, "src") && !under(t, "src/system") },
  { name: "exec-on-system-only", why: "the command runner sits on src/system alone", breaks: (f, t) => under(f, "src/exec") && under(t, "src") && !under(t, "src/exec", "src/system") },
  { name: "layout-is-dependency-free", why: "layout/ is imported by the builder: it imports nothing of the repo", breaks: (f, t) => under(f, k3s("layout")) && !under(t, k3s("layout")) },
  { name: "k3s-on-shared-primitives", why: "the runtime uses src/system, src/exec and src/version.ts, not the OS's config engine", breaks: (f, t) => under(f, "src/k3s") && under(t, "src") && !under(t, "src/k3s", "src/system", "src/exec", "src/version.ts") },
  { name: "k3s-through-its-entry", why: "the rest of src reaches the runtime through src/k3s/cli.ts (or its layout)", breaks: (f, t) => under(f, "src") && !under(f, "src/k3s") && under(t, "src/k3s") && t !== k3s("cli.ts") && !under(t, k3s("layout")) },
  { name: "agent-not-server-side", why: "the agent is a client: it never imports server/, listener/ (the handlers) or cluster/", breaks: (f, t) => under(f, k3s("agent")) && under(t, k3s("server"), k3s("listener"), k3s("cluster")) },
  { name: "server-is-top", why: "only the CLI entry starts a server: nothing below imports server/", breaks: (f, t) => under(f, "src/k3s") && !under(f, k3s("server")) && f !== k3s("cli.ts") && under(t, k3s("server")) },
  { name: "listener-only-from-server", why: "the k3s port's handlers are wired by the server alone; clients share types through agent/", breaks: (f, t) => under(f, "src/k3s") && !under(f, k3s("server"), k3s("listener")) && under(t, k3s("listener")) },
  { name: "host-facts-is-a-leaf", why: "host facts are read before any component argument exists", breaks: (f, t) => f === k3s("agent/host-facts.ts") && under(t, "src/k3s") && !under(t, k3s("layout")) },
  { name: "executor-is-generic", why: "the process manager knows processes, not Kubernetes", breaks: (f, t) => under(f, k3s("executor")) && under(t, "src") && !under(t, k3s("executor"), k3s("layout"), k3s("util"), "src/system", "src/exec") },
];

/**
 * Edges that break a rule today and are being removed: each names its file, its target and the
 * rule. Empty now; an entry that no longer occurs fails the test, so the list cannot go stale.
 */
export const KNOWN_EXCEPTIONS: readonly { file: string; target: string; rule: string }[] = [];

// import x from "s"; import type { x } from "s"; export { x } from "s"; import "s"; import("s")
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Relative specifiers of a module's imports, comments skipped. */
export function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!).filter((s) => s.startsWith("./") || s.startsWith("../"));
}

/** Every broken rule in `files` (repo-relative path -> source text), known exceptions left out. */
export function checkImports(files: Map<string, string>, rules = RULES, exceptions = KNOWN_EXCEPTIONS): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of files) {
    for (const specifier of importSpecifiers(text)) {
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      for (const rule of rules) {
        if (!rule.breaks(file, target)) continue;
        if (exceptions.some((e) => e.file === file && e.target === target && e.rule === rule.name)) continue;
        out.push({ file, specifier, target, rule: rule.name });
      }
    }
  }
  return out;
}

/** The .ts and .mjs files under src/, builder/, scripts/ and test/ of the repo. */
export function readSourceTree(repo: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mjs)$/.test(name)) files.set(relative(repo, p).split("\\").join("/"), readFileSync(p, "utf8"));
    }
  };
  for (const top of ["src", "builder", "scripts", "test"]) walk(join(repo, top));
  return files;
}

export function formatViolation(v: Violation): string {
  const rule = RULES.find((r) => r.name === v.rule);
  return `${v.file}: import "${v.specifier}" (${v.target}) breaks ${v.rule}${rule ? `: ${rule.why}` : ""}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const found = checkImports(readSourceTree(repo));
  for (const v of found) console.log(formatViolation(v));
  console.log(`${found.length} broken import rules`);
  process.exitCode = found.length === 0 ? 0 : 1;
}
