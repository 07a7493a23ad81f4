// `npm run image` entry: builds every artifact in dist/artifacts/, stage by stage, cached by inputs.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DryRunner, ProcessRunner } from "../src/exec/runner.ts";
import { createLogger } from "../src/system/log.ts";
import { cacheRoot, lockCache } from "./cache.ts";
import { runMain, UsageError } from "./cli-args.ts";
import type { BuildContext } from "./context.ts";
import { ensureHostPackages } from "./host/prerequisites.ts";
import { resolveEpoch, resolveVersion } from "./host/epoch.ts";
import { buildAll } from "./build.ts";

const USAGE = `usage: k3os-image [build] [--out DIR] [--fast] [--agent FILE | --without-agent] [--skip-prereqs] [--dry-run] [--debug]
       k3os-image prereqs [--dry-run] [--debug]`;
const DETAILS = `  build    every artifact into DIR (default $K3OS_ARTIFACTS or dist/artifacts/), cached by inputs
           under \${K3OS_IMAGE_CACHE:-\${XDG_CACHE_HOME:-~/.cache}/k3os}
  prereqs  install the host packages only
  --fast           quicker squashfs compression (larger images)
  --agent FILE     the node agent to put in the image (default bin/k3os, from npm run build)
  --without-agent  no /usr/sbin/k3os, no config phases
  --skip-prereqs   do not check the host packages
  --dry-run        print the commands instead of running them
  --debug          log every command`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      agent: { type: "string" },
      "without-agent": { type: "boolean", default: false },
      fast: { type: "boolean", default: false },
      "skip-prereqs": { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      debug: { type: "boolean", default: false },
    },
  });
  if (positionals.length > 1) throw new UsageError(`one command at most, got: ${positionals.join(" ")}`);
  const command = positionals[0] ?? "build";
  if (command !== "build" && command !== "prereqs") throw new UsageError(`unknown command: ${command} (expected build or prereqs)`);
  if (values.agent !== undefined && values["without-agent"]) throw new UsageError("--agent and --without-agent exclude each other");
  const log = createLogger({ prefix: "k3os-image", debug: values.debug });
  const runner = values["dry-run"] ? new DryRunner((l) => log.info(l)) : new ProcessRunner((m) => log.debug(m));
  const repo = resolve(import.meta.dirname, "..");
  if (command === "prereqs" || !values["skip-prereqs"]) await ensureHostPackages(runner, log);
  if (command === "prereqs") return 0;
  const ctx: BuildContext = {
    runner,
    log,
    repo,
    cache: cacheRoot(),
    out: resolve(values.out ?? process.env.K3OS_ARTIFACTS ?? resolve(repo, "dist/artifacts")),
    epoch: await resolveEpoch(runner, repo),
    version: await resolveVersion(repo),
    fast: values.fast,
    agent: values["without-agent"] ? undefined : resolve(values.agent ?? resolve(repo, "bin/k3os")),
  };
  if (!ctx.agent) log.warn("building without the agent: no /usr/sbin/k3os, no config phases (--without-agent)");
  const t = Date.now();
  const unlock = runner.dryRun ? async () => {} : await lockCache(ctx.cache);
  try {
    await buildAll(ctx);
  } finally {
    await unlock();
  }
  log.info(`done in ${((Date.now() - t) / 1000).toFixed(1)} s: ${ctx.out}`);
  return 0;
}

runMain({ name: "k3os-image", usage: USAGE, details: DETAILS }, main);
