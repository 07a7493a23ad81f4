// What `k3s server` and `k3s agent` run with (the CLI builds it), and the check both make before
// they start anything: every program their components need is installed.
import { existsSync } from "node:fs";
import type { Runner } from "../../exec/runner.ts";
import type { Logger } from "../../system/log.ts";
import type { ComponentSpec } from "../executor/supervisor.ts";
import type { KubeBinaries } from "../layout/binaries.ts";
import type { HostFacts } from "./host-facts.ts";

export interface RunContext {
  root: string;
  kubeDir: string;
  env: Record<string, string | undefined>;
  log: Logger;
  runner: Runner;
  host: HostFacts;
}

/** The programs a set of components needs that are not installed, by path. */
export function missingPrograms(specs: ComponentSpec[], bins: KubeBinaries): string[] {
  const runtime = specs.some((s) => s.name === "containerd") ? [bins.runc, bins.shim] : [];
  const wanted = new Set([...specs.map((s) => s.argv[0]!), ...runtime]);
  return [...wanted].filter((p) => !existsSync(p));
}
