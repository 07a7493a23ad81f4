// The Go build proper: download the module graph (so a refused or missing module is named before
// compiling starts), then one `go build` per target with stripped, stamped, trimmed binaries.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { runGo } from "./go-tool.ts";
import { ldflagsFor } from "./ldflags.ts";
import type { GoTarget } from "./targets.ts";
import { versionOf, type Versions } from "./versions.ts";

export interface GoBuildContext {
  go: string;
  kubeDir: string;
  versions: Versions;
  /** main.version of the multi-call binary. */
  multicallVersion: string;
  log: (msg: string) => void;
}

/** The environment of every go command: the pinned toolchain, no VCS stamps (they vary by clone). */
export function goEnv(versions: Versions, cgo: boolean): Record<string, string> {
  return {
    GOTOOLCHAIN: versions.go.toolchain,
    CGO_ENABLED: cgo ? "1" : "0",
    GOFLAGS: "-buildvcs=false -mod=readonly",
  };
}

export async function downloadModules(ctx: GoBuildContext): Promise<void> {
  const started = Date.now();
  const out = await runGo(ctx.go, ["mod", "download", "-json"], { cwd: ctx.kubeDir, env: goEnv(ctx.versions, false) }).catch(
    (e: Error) => {
      throw new Error(`downloading Go modules failed:\n${moduleErrors(e.message) || e.message}`);
    },
  );
  const errors = moduleErrors(out);
  if (errors) throw new Error(`Go modules could not be had:\n${errors}`);
  const count = (out.match(/"Path":/g) ?? []).length;
  ctx.log(`go modules: ${count} in the build list, downloaded or cached (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** `go mod download -json` reports each module with an Error field when it cannot be had. */
function moduleErrors(jsonStream: string): string {
  const lines: string[] = [];
  for (const m of jsonStream.matchAll(/"Path": "([^"]+)",\s*"Version": "([^"]+)",\s*"Error": "([^"]+)"/g)) {
    lines.push(`  Go module ${m[1]}@${m[2]}: ${m[3]}`);
  }
  return lines.join("\n");
}

export async function buildTarget(ctx: GoBuildContext, target: GoTarget, outRoot: string): Promise<void> {
  const outDir = join(outRoot, target.outDir);
  await mkdir(outDir, { recursive: true });
  const mainVersion = target.mainVersionOf ? versionOf(ctx.versions, target.mainVersionOf).slice(1) : ctx.multicallVersion;
  const args = [
    "build", "-v", "-trimpath",
    ...(target.tags.length ? ["-tags", target.tags.join(",")] : []),
    "-ldflags", ldflagsFor(ctx.versions, { mainVersion, staticCgo: target.cgo }),
    "-o", `${outDir}/`,
    ...target.packages,
  ];
  const started = Date.now();
  let compiled = 0;
  let lastReport = started;
  ctx.log(`go build ${target.packages.join(" ")} (cgo ${target.cgo ? "on" : "off"})`);
  await runGo(ctx.go, args, {
    cwd: ctx.kubeDir,
    env: goEnv(ctx.versions, target.cgo),
    onLine: (line) => {
      // `go build -v` names each package it compiles: report a count every 15 s.
      if (/^[\w.-]+(\/[\w.~-]+)*$/.test(line.trim())) compiled++;
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        ctx.log(`  ... ${compiled} packages compiled, ${Math.round((Date.now() - started) / 1000)} s`);
      }
    },
  });
  ctx.log(`  done: ${compiled} packages compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
