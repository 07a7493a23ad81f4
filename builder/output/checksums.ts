// sha256sum.txt in the format `sha256sum -c` reads, names relative to the artifacts directory.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import type { Runner } from "../../src/exec/runner.ts";
import { writeFileAtomic } from "../../src/system/atomic-write.ts";

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

export function renderChecksums(entries: readonly (readonly [string, string])[]): string {
  return entries.map(([sum, name]) => `${sum}  ${name}\n`).join("");
}

export async function writeChecksums(runner: Runner, dir: string, names: readonly string[], target: string): Promise<void> {
  if (runner.dryRun) return;
  const entries: [string, string][] = [];
  for (const n of [...names].sort()) entries.push([await sha256File(join(dir, n)), n]);
  await writeFileAtomic(join(dir, target), renderChecksums(entries));
}
