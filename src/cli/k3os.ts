// The `k3os` command line. Subcommands load their code only when they run: the boot phases start
// `k3os` several times and every millisecond of start-up counts under emulation.
import { Command, CommanderError } from "commander";
import { VERSION } from "../version.ts";

export function buildProgram(): Command {
  const program = new Command("k3os")
    .description("k3os: a Linux distribution that exists to run k3s, configured from one config.yaml")
    .version(VERSION, "-v, --version", "print the k3os version")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("config")
    .description("apply the config for a boot phase (runtime by default), or print the merged config")
    .option("--initrd", "apply the initrd phase (before the root is switched)")
    .option("--boot", "apply the boot phase (before services start, no network)")
    .option("--install", "apply the install phase (k3s settings only, never started)")
    .option("--dump", "print the merged config as YAML")
    .option("--dump-json", "print the merged config as JSON")
    .option("--schema", "print the config's JSON Schema (for editors)")
    .option("--root <dir>", "the node's root directory (files and /proc/cmdline are read under it)", "/")
    .option("--dry-run", "print every file it would write and command it would run; change nothing")
    .option("--strict", "treat warnings (unknown keys) as errors")
    .option("--debug", "log every step and command")
    .addHelpText(
      "after",
      "\nSources, later over earlier: /k3os/system/config.yaml, k3os.* keys of /proc/cmdline,\n" +
        "/var/lib/rancher/k3os/config.yaml, cloud metadata, /run/config/userdata,\n" +
        "/var/lib/rancher/k3os/config.d/* (name order). Exit status 1 when any source or step failed.",
    )
    .action(async (opts) => {
      const { runConfigCommand } = await import("./config-command.ts");
      process.exitCode = await runConfigCommand(opts);
    });

  // Flags are parsed strictly by the install command itself (node:util parseArgs), not here.
  program
    .command("install")
    .description("install k3os to a disk (see k3os install --help)")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[args...]")
    .action(async (args: string[]) => {
      const { runInstallCommand } = await import("../install/install-command.ts");
      process.exitCode = await runInstallCommand(args);
    });

  return program;
}

export async function k3osMain(args: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}
