// The `k3os` command line, parsed by node:util parseArgs with strict: true, so an unknown option, a
// missing value or a stray argument is refused. Every usage error exits 2 (the README's promise);
// 1 is kept for a config or a step that failed. Subcommands load their code only when they run:
// the boot phases start `k3os` several times and every millisecond of start-up counts under emulation.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { VERSION } from "../version.ts";
import { stdio, type Io } from "./io.ts";

const USAGE =
  "usage: k3os [--version] [--help] <command>\n\ncommands:\n" +
  "  config       apply the config for a boot phase, or print the merged config\n" +
  "  datasource   fetch cloud metadata and userdata into /run/config\n" +
  "  install      install k3os to a disk\n" +
  "\nrun `k3os <command> --help` for its options\n";

const CONFIG_OPTIONS = {
  initrd: { type: "boolean" },
  boot: { type: "boolean" },
  install: { type: "boolean" },
  dump: { type: "boolean" },
  "dump-json": { type: "boolean" },
  schema: { type: "boolean" },
  root: { type: "string", default: "/" },
  "dry-run": { type: "boolean" },
  strict: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

const CONFIG_USAGE =
  "usage: k3os config [--initrd|--boot|--install|--dump|--dump-json|--schema] [--root DIR] [--dry-run] [--strict] [--debug]\n\n" +
  "Applies the config for a boot phase (runtime by default), or prints the merged config.\n\n" +
  "  --initrd      apply the initrd phase (before the root is switched)\n" +
  "  --boot        apply the boot phase (before services start, no network)\n" +
  "  --install     apply the install phase (k3s settings only, never started)\n" +
  "  --dump        print the merged config as YAML\n" +
  "  --dump-json   print the merged config as JSON\n" +
  "  --schema      print the config's JSON Schema (for editors)\n" +
  "  --root DIR    the node's root directory (default /; files and /proc/cmdline are read under it)\n" +
  "  --dry-run     print every file it would write and command it would run; change nothing\n" +
  "  --strict      treat warnings (unknown keys) as errors: a source with one is rejected and nothing is applied\n" +
  "  --debug       log every step and command\n\n" +
  "Sources, later over earlier: /k3os/system/config.yaml, k3os.* keys of /proc/cmdline,\n" +
  "/var/lib/rancher/k3os/config.yaml, cloud metadata, /run/config/userdata,\n" +
  "/var/lib/rancher/k3os/config.d/* (name order).\n" +
  "Exit status: 0 ok; 1 a source had an error or a step failed; 2 wrong usage.\n";

class UsageError extends Error {}

function parse<T extends ParseArgsConfig["options"]>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (e) {
    // parseArgs's ERR_PARSE_ARGS_* errors are all about the command line, never about the config.
    if ((e as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError((e as Error).message);
    throw e;
  }
}

async function configMain(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, CONFIG_OPTIONS);
  if (values.help) {
    io.out(CONFIG_USAGE);
    return 0;
  }
  if (values.root === "") throw new UsageError("--root must not be empty (it would mean the host's /); give a directory");
  const { runConfigCommand } = await import("./config-command.ts");
  return runConfigCommand(
    {
      root: values.root,
      initrd: values.initrd,
      boot: values.boot,
      install: values.install,
      dump: values.dump,
      dumpJson: values["dump-json"],
      schema: values.schema,
      dryRun: values["dry-run"],
      strict: values.strict,
      debug: values.debug,
    },
    io,
  );
}

export async function k3osMain(args: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === "--version" || command === "-v") {
      if (rest.length > 0) throw new UsageError(`${command} takes no arguments`);
      io.out(`${VERSION}\n`);
      return 0;
    }
    if (command === "--help" || command === "-h" || command === "help") {
      io.out(USAGE);
      return 0;
    }
    if (command === "config") return await configMain(rest, io);
    if (command === "datasource") return await (await import("../datasource/command.ts")).datasourceMain(rest, io);
    if (command === "install") {
      // The install command parses its own flags strictly (node:util parseArgs) and exits 2 on usage errors.
      const { runInstallCommand } = await import("../install/install-command.ts");
      return await runInstallCommand(rest);
    }
    throw new UsageError(command === undefined ? "no command given" : `unknown command "${command}"`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`k3os: ${e.message}`);
    io.err(command === "config" ? "run `k3os config --help` for the options" : USAGE.trimEnd());
    return 2;
  }
}
