// `k3os config`: apply a boot phase, or print the merged config / its JSON Schema.
// The appliers and what they need (node:crypto, node:child_process, node:zlib: about a third of a
// second of CPU under QEMU TCG, docs/agent-startup.md) load only when a phase is applied, not for
// --dump or --schema.
import { stringify } from "yaml";
import type { ApplyContext, Phase } from "../apply/context.ts";
import { loadConfig } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { configJsonSchema } from "../config/schema.ts";
import { createLogger } from "../system/log.ts";
import { VERSION } from "../version.ts";
import { stdio, type Io } from "./io.ts";

export interface ConfigOptions {
  initrd?: boolean;
  boot?: boolean;
  install?: boolean;
  dump?: boolean;
  dumpJson?: boolean;
  schema?: boolean;
  root: string;
  dryRun?: boolean;
  strict?: boolean;
  debug?: boolean;
}

export type { Io } from "./io.ts";

export async function runConfigCommand(opts: ConfigOptions, io: Io = stdio): Promise<number> {
  const modes = (["initrd", "boot", "install", "dump", "dumpJson", "schema"] as const).filter((m) => opts[m]);
  if (modes.length > 1) {
    io.err(`k3os config: choose one of --initrd, --boot, --install, --dump, --dump-json, --schema (got ${modes.length})`);
    return 2;
  }
  if (opts.schema) {
    io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (opts.root === "") {
    io.err("k3os config: the root must not be empty (it would mean the host's /)");
    return 2;
  }
  const loaded = await loadConfig(opts.root);
  for (const p of loaded.problems) io.err(formatProblem(p));
  const errors = loaded.problems.filter((p) => p.severity === "error").length;
  const warnings = loaded.problems.length - errors;
  const failed = errors > 0 || (opts.strict === true && warnings > 0);

  if (opts.dump || opts.dumpJson) {
    if (failed) {
      io.err(`k3os config: ${errors} error(s)${opts.strict ? `, ${warnings} warning(s) (--strict)` : ""}; not printing a partial config`);
      return 1;
    }
    io.out(opts.dumpJson ? `${JSON.stringify(loaded.config)}\n` : stringify(loaded.config));
    return 0;
  }

  if (opts.strict && failed) {
    // --strict is all or nothing: a node is never left half-configured from a config it rejected.
    const rejected = [...new Set(loaded.problems.map((p) => p.source))];
    io.err(`k3os config: --strict: nothing applied; rejected ${rejected.join(", ")} (${errors} error(s), ${warnings} warning(s))`);
    return 1;
  }
  const phase: Phase = opts.initrd ? "initrd" : opts.boot ? "boot" : opts.install ? "install" : "runtime";
  const log = createLogger({ debug: opts.debug ?? false, prefix: `k3os config (${phase})`, write: io.err });
  if (loaded.skipped.length > 0) log.error(`left out because of errors: ${loaded.skipped.join(", ")}; applying the rest`);
  const print = (line: string) => io.out(`${line}\n`);
  const [{ runPhase }, { sweepStaleTemps }, { DryRunner, ProcessRunner }, { NodeFiles }] = await Promise.all([
    import("../apply/phases.ts"),
    import("../apply/stale-temps.ts"),
    import("../exec/runner.ts"),
    import("../system/files.ts"),
  ]);
  const ctx: ApplyContext = {
    phase,
    root: opts.root,
    files: new NodeFiles(opts.root, opts.dryRun ?? false, print),
    runner: opts.dryRun ? new DryRunner(print) : new ProcessRunner(log.debug),
    log,
    live: opts.root === "/",
    version: VERSION,
    githubKeysUrl: (user) => `${process.env.K3OS_GITHUB_KEYS_URL ?? "https://github.com"}/${user}.keys`,
    fetchTimeoutMs: 10_000,
    ...(loaded.userdataScript ? { userdataScript: loaded.userdataScript.content } : {}),
  };
  await sweepStaleTemps(loaded.config, ctx);
  const failures = await runPhase(loaded.config, ctx);
  if (failures.length > 0) log.error(`${failures.length} step(s) failed: ${failures.map((f) => f.step).join(", ")}`);
  return failed || failures.length > 0 ? 1 : 0;
}
