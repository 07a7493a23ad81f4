// `npm run image` entry: builds every artifact in dist/artifacts/, stage by stage, cached by inputs.
//   tsx builder/cli.ts [build] [--out DIR] [--fast] [--agent FILE | --without-agent] [--skip-prereqs] [--dry-run] [--debug]
//   tsx builder/cli.ts prereqs      install the host packages only
import { resolve } from "node:path";
import { DryRunner, ProcessRunner } from "../src/exec/runner.ts";
import { createLogger } from "../src/system/log.ts";
import { cacheRoot, lockCache } from "./cache.ts";
import type { BuildContext } from "./context.ts";
import { ensureHostPackages } from "./host/prerequisites.ts";
import { resolveEpoch, resolveVersion } from "./host/epoch.ts";
import { buildAll } from "./build.ts";

async function main(args: string[]): Promise<number> {
  const agentAt = args.indexOf("--agent");
  const agentArg = agentAt >= 0 ? args.splice(agentAt, 2)[1] : undefined;
  const outAt = args.indexOf("--out");
  const outArg = outAt >= 0 ? args.splice(outAt, 2)[1] : undefined;
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  const command = args.find((a) => !a.startsWith("--")) ?? "build";
  const log = createLogger({ prefix: "k3os-image", debug: flags.has("--debug") });
  const runner = flags.has("--dry-run") ? new DryRunner((l) => log.info(l)) : new ProcessRunner((m) => log.debug(m));
  const repo = resolve(import.meta.dirname, "..");
  if (!flags.has("--skip-prereqs")) await ensureHostPackages(runner, log);
  if (command === "prereqs") return 0;
  if (command !== "build") {
    log.error(`unknown command: ${command} (expected build or prereqs)`);
    return 2;
  }
  const ctx: BuildContext = {
    runner,
    log,
    repo,
    cache: cacheRoot(),
    out: resolve(outArg ?? process.env.K3OS_ARTIFACTS ?? resolve(repo, "dist/artifacts")),
    epoch: await resolveEpoch(runner, repo),
    version: await resolveVersion(repo),
    fast: flags.has("--fast"),
    agent: flags.has("--without-agent") ? undefined : resolve(agentArg ?? resolve(repo, "bin/k3os")),
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`k3os-image: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
