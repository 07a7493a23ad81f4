// init_cmd / boot_cmd / run_cmd: each command run with `sh -c`, its output logged; a failure is
// reported and the rest still run. A userdata script (a `#!` file) runs after run_cmd.
import type { Config } from "../config/schema.ts";
import type { Applier, ApplyContext } from "./context.ts";
import { forEachCollecting } from "./context.ts";

export const USERDATA_SCRIPT = "/run/k3os/userdata";

async function runCommands(key: string, commands: readonly string[], ctx: ApplyContext): Promise<void> {
  if (commands.length === 0) return;
  if (!ctx.live && !ctx.runner.dryRun) {
    ctx.log.info(`${key}: skipped ${commands.length} command(s) (root ${ctx.root} is not the running system)`);
    return;
  }
  await forEachCollecting(commands, async (command, i) => {
    const result = await ctx.runner.run(["sh", "-c", command], { allowFailure: true });
    for (const line of `${result.stdout}${result.stderr}`.split("\n").filter(Boolean)) ctx.log.info(`${key}[${i}]: ${line}`);
    if (result.exitCode !== 0) {
      throw new Error(`${key}[${i}] failed (${result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`}): ${command}`);
    }
  });
}

const commandsApplier =
  (key: "init_cmd" | "boot_cmd" | "run_cmd"): Applier =>
  (config: Config, ctx) =>
    runCommands(key, config[key] ?? [], ctx);

export const applyInitCmd = commandsApplier("init_cmd");
export const applyBootCmd = commandsApplier("boot_cmd");
export const applyRunCmd = commandsApplier("run_cmd");

export const applyUserdataScript: Applier = async (_config, ctx) => {
  if (!ctx.userdataScript) return;
  await ctx.files.write(USERDATA_SCRIPT, ctx.userdataScript, { mode: 0o700, uid: 0, gid: 0 });
  await runCommands("userdata", [USERDATA_SCRIPT], ctx);
};
