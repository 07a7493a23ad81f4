// The `k3s` command of k3os (the bundle invoked through a `k3s` symlink): k3s's subcommands over
// k3os's k3s-compatible runtime. K3OS_ROOT prefixes every path (tests); K3OS_KUBE_DIR says where
// the Kubernetes components are installed.
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { Command, CommanderError } from "commander";
import { DryRunner, ProcessRunner, type Runner } from "../exec/runner.ts";
import { createLogger, type Logger } from "../system/log.ts";
import { kubeBinaries, kubeDir } from "./layout/binaries.ts";
import { createBootstrapToken, deleteBootstrapTokens, generateBootstrapToken, listBootstrapTokens, parseDuration, DEFAULT_GROUPS, DEFAULT_USAGES } from "./tokens/bootstrap-token.ts";
import { formatChecks, runChecks } from "./cli/check-config.ts";
import { readHostFacts } from "./agent/host-facts.ts";
import { killall } from "./cli/killall.ts";
import { parseNodeArgs } from "./cli/parse-node-args.ts";
import { UnsupportedFlagError } from "./cli/flags.ts";
import { nodePaths } from "./layout/paths.ts";
import { runAgent } from "./agent/run-agent.ts";
import { runServer } from "./server/run-server.ts";
import { runAttached } from "./executor/child.ts";
import { toolInvocation, type Tool } from "./cli/tools.ts";
import { k3sVersionText } from "./version.ts";
import { K3S_DEFAULTS } from "./layout/defaults.ts";

export interface K3sIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  runner?: Runner;
}

const defaultIo = (): K3sIo => ({
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});

function rootOf(env: K3sIo["env"]): string {
  return env.K3OS_ROOT || "/";
}

function nodeCommand(program: Command, name: "server" | "agent", io: K3sIo, setCode: (n: number) => void): void {
  program
    .command(name)
    .description(name === "server" ? "Run management server" : "Run node agent")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[flags...]")
    .action(async (flags: string[]) => {
      const root = rootOf(io.env);
      const bootLog = createLogger({ prefix: "k3s", write: (l) => io.stderr(`${l}\n`) });
      const parsed = parseNodeArgs(name, flags, { env: io.env, root, log: bootLog, writeOut: io.stdout });
      if (parsed.kind === "help") return setCode(0);
      const s = parsed.settings;
      // Timestamped, as k3s's own log: the node's start-up timeline is read from it.
      const log = createLogger({ prefix: "k3s", debug: s.debug, write: (l) => io.stderr(`${new Date().toISOString()} ${l}\n`) });
      const runner = io.runner ?? new ProcessRunner(log.debug);
      const ctx = { root, kubeDir: kubeDir(io.env), env: io.env, log, runner, host: readHostFacts(root) };
      setCode(await (name === "server" ? runServer(s, ctx) : runAgent(s, ctx)));
    });
}

function toolCommand(program: Command, tool: Tool, io: K3sIo, setCode: (n: number) => void): void {
  program
    .command(tool)
    .description(`Run ${tool} with this node's ${tool === "kubectl" ? "kubeconfig" : "containerd socket"}`)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument("[args...]")
    .action(async (args: string[]) => {
      const paths = nodePaths({ dataDir: io.env.K3S_DATA_DIR || K3S_DEFAULTS.dataDir, writeKubeconfig: io.env.K3S_KUBECONFIG_OUTPUT || K3S_DEFAULTS.kubeconfig }, rootOf(io.env));
      const inv = toolInvocation(tool, args, kubeBinaries(kubeDir(io.env)), paths, io.env);
      setCode(await runAttached(inv.argv, inv.env));
    });
}

function tokenCommands(program: Command, io: K3sIo): void {
  const token = program.command("token").description("Manage bootstrap tokens");
  const common = (c: Command) =>
    c
      .option("-d, --data-dir <dir>", "Folder holding the server's state", io.env.K3S_DATA_DIR || K3S_DEFAULTS.dataDir)
      .option("--kubeconfig <file>", "Server connection file [$KUBECONFIG] (default: the server's admin credentials)", io.env.KUBECONFIG);
  const context = (o: { dataDir: string; kubeconfig?: string }) => {
    const paths = nodePaths({ dataDir: o.dataDir, writeKubeconfig: K3S_DEFAULTS.kubeconfig }, rootOf(io.env));
    const runner = io.runner ?? new ProcessRunner();
    return {
      paths,
      k: { runner, kubectl: kubeBinaries(kubeDir(io.env)).applet("kubectl"), kubeconfig: o.kubeconfig ?? paths.server.cred.adminKubeconfig },
    };
  };
  common(token.command("create").description("Create bootstrap tokens on the server").argument("[token]"))
    .option("--ttl <duration>", "The duration before the token is automatically deleted (0 = never)", "24h")
    .option("--description <text>", "A human friendly description of how this token is used")
    .option("--groups <groups>", "Extra groups that this token will authenticate as", DEFAULT_GROUPS.join(","))
    .option("--usages <usages>", "Ways in which this token can be used", DEFAULT_USAGES.join(","))
    .action(async (t: string | undefined, o: { dataDir: string; kubeconfig?: string; ttl: string; description?: string; groups: string; usages: string }) => {
      const { paths, k } = context(o);
      const out = await createBootstrapToken(k, readFileSync(paths.server.tls.serverCa.crt, "utf8"), {
        token: t,
        ttlSeconds: parseDuration(o.ttl),
        description: o.description,
        groups: o.groups.split(",").filter(Boolean),
        usages: o.usages.split(",").filter(Boolean),
        now: new Date(),
      });
      io.stdout(`${out}\n`);
    });
  common(token.command("list").description("List bootstrap tokens on the server")).action(async (o: { dataDir: string; kubeconfig?: string }) => {
    io.stdout(await listBootstrapTokens(context(o).k, new Date()));
  });
  common(token.command("delete").description("Delete bootstrap tokens on the server").argument("<tokens...>")).action(
    async (ids: string[], o: { dataDir: string; kubeconfig?: string }) => {
      await deleteBootstrapTokens(context(o).k, ids);
    },
  );
  token
    .command("generate")
    .description("Generate and print a bootstrap token, but do not create it on the server")
    .action(() => io.stdout(`${generateBootstrapToken()}\n`));
}

export function buildK3sProgram(io: K3sIo, setCode: (n: number) => void): Command {
  const program = new Command("k3s")
    .description("k3os's k3s-compatible runtime: a Kubernetes node from upstream components")
    .version(k3sVersionText().trimEnd(), "-v, --version", "print the version")
    // Options after a subcommand belong to it: `k3s kubectl -v 6` is kubectl's -v.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  nodeCommand(program, "server", io, setCode);
  nodeCommand(program, "agent", io, setCode);
  for (const tool of ["kubectl", "crictl", "ctr"] as const) toolCommand(program, tool, io, setCode);
  tokenCommands(program, io);
  program
    .command("check-config")
    .description("Check the kernel, cgroups and installed components")
    .action(() => {
      const root = rootOf(io.env);
      const r = formatChecks(runChecks({ root, release: release(), bins: kubeBinaries(kubeDir(io.env)) }));
      io.stdout(r.text);
      setCode(r.failed === 0 ? 0 : 1);
    });
  program
    .command("killall")
    .description("Kill the node's processes and remove its mounts, interfaces and iptables rules")
    .option("--dry-run", "print what would be done")
    .option("-d, --data-dir <dir>", "Folder holding the state", io.env.K3S_DATA_DIR || K3S_DEFAULTS.dataDir)
    .action(async (o: { dryRun?: boolean; dataDir: string }) => {
      const root = rootOf(io.env);
      const log: Logger = createLogger({ prefix: "k3s killall", write: (l) => io.stderr(`${l}\n`) });
      const runner = o.dryRun ? new DryRunner((l) => io.stdout(`${l}\n`)) : (io.runner ?? new ProcessRunner(log.debug));
      const paths = nodePaths({ dataDir: o.dataDir, writeKubeconfig: K3S_DEFAULTS.kubeconfig }, root);
      await killall({ root, paths, bins: kubeBinaries(kubeDir(io.env)), runner, log });
    });
  return program;
}

export async function k3sMain(argv: string[], io: K3sIo = defaultIo()): Promise<number> {
  let code = 0;
  try {
    const program = buildK3sProgram(io, (n) => (code = n));
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : e.exitCode || 1;
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(`${msg.startsWith("k3s") ? "" : "k3s: "}${msg}\n`);
    // A flag this runtime does not know is a usage error: exit 2, as parsers conventionally do.
    return e instanceof UnsupportedFlagError ? 2 : 1;
  }
}
