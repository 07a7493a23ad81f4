// Small file helpers of the k3s runtime. State files are written with src/system/atomic-write.ts (the
// one atomic write), so a crash never leaves a half-written certificate or token the next start trusts.
import { existsSync, mkdirSync, readFileSync } from "node:fs";

export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

export function ensureDir(path: string, mode = 0o755): void {
  mkdirSync(path, { recursive: true, mode });
}
