// The build's timestamp and version. SOURCE_DATE_EPOCH wins; else the last commit's time, so two
// builds of one commit agree; else 0 (a tree outside git is still reproducible).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Runner } from "../../src/exec/runner.ts";

export function parseEpoch(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (!/^\d+$/.test(value.trim())) throw new Error(`SOURCE_DATE_EPOCH must be whole seconds, got "${value}"`);
  return Number(value.trim());
}

export async function resolveEpoch(runner: Runner, repo: string, env = process.env): Promise<number> {
  const fromEnv = parseEpoch(env.SOURCE_DATE_EPOCH);
  if (fromEnv !== undefined) return fromEnv;
  const r = await runner.run(["git", "-C", repo, "log", "-1", "--format=%ct"], { allowFailure: true }).catch(() => undefined);
  return parseEpoch(r?.exitCode === 0 ? r.stdout : undefined) ?? 0;
}

export async function resolveVersion(repo: string, env = process.env): Promise<string> {
  if (env.K3OS_VERSION) return env.K3OS_VERSION;
  const pkg = JSON.parse(await readFile(join(repo, "package.json"), "utf8")) as { version: string };
  return `v${pkg.version}`;
}
