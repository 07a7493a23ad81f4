// The `k3s` command of k3os (the bundle invoked through a `k3s` symlink): k3s's subcommands over
// k3os's k3s-compatible runtime. K3OS_ROOT prefixes every path (tests); K3OS_KUBE_DIR says where
// the Kubernetes components are installed. Arguments are parsed by cli/argv.ts (node:util
// parseArgs, strict); a usage error exits 2, any other failure 1.
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { DryRunner, ProcessRunner, type Runner } from "../exec/runner.ts";
import { createLogger, type Logger } from "../system/log.ts";
import { kubeBinaries, kubeDir } from "./layout/binaries.ts";
import { createBootstrapToken, deleteBootstrapTokens, generateBootstrapToken, listBootstrapTokens, parseDuration, DEFAULT_GROUPS, DEFAULT_USAGES } from "./tokens/bootstrap-token.ts";
import { formatChecks, runChecks } from "./cli/check-config.ts";
import { readHostFacts } from "./agent/host-facts.ts";
import { killall } from "./cli/killall.ts";
import { parseNodeArgs } from "./cli/parse-node-args.ts";
import { parseOptionArgs, renderCommandsHelp, renderHelp, stringOption, UsageError, wantsHelp, type OptionSpec, type ParsedArgs } from "./cli/argv.ts";
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

/** A subcommand: what `k3s --help` says of it, and how it runs on the arguments after its name. */
interface Subcommand {
  description: string;
  run: (args: string[], io: K3sIo) => Promise<number>;
}

async function runNode(name: "server" | "agent", args: string[], io: K3sIo): Promise<number> {
  const root = rootOf(io.env);
  const bootLog = createLogger({ prefix: "k3s", write: (l) => io.stderr(`${l}\n`) });
  const parsed = parseNodeArgs(name, args, { env: io.env, root, log: bootLog, writeOut: io.stdout });
  if (parsed.kind === "help") return 0;
  const s = parsed.settings;
  // Timestamped, as k3s's own log: the node's start-up timeline is read from it.
  const log = createLogger({ prefix: "k3s", debug: s.debug, write: (l) => io.stderr(`${new Date().toISOString()} ${l}\n`) });
  const runner = io.runner ?? new ProcessRunner(log.debug);
  const ctx = { root, kubeDir: kubeDir(io.env), env: io.env, log, runner, host: readHostFacts(root) };
  return name === "server" ? runServer(s, ctx) : runAgent(s, ctx);
}

/** kubectl, crictl, ctr: every argument, --help included, is the tool's. */
function toolCommand(tool: Tool): Subcommand {
  return {
    description: `Run ${tool} with this node's ${tool === "kubectl" ? "kubeconfig" : "containerd socket"}`,
    run: (args, io) => {
      const paths = nodePaths({ dataDir: io.env.K3S_DATA_DIR || K3S_DEFAULTS.dataDir, writeKubeconfig: io.env.K3S_KUBECONFIG_OUTPUT || K3S_DEFAULTS.kubeconfig }, rootOf(io.env));
      const inv = toolInvocation(tool, args, kubeBinaries(kubeDir(io.env)), paths, io.env);
      return runAttached(inv.argv, inv.env);
    },
  };
}

/** A command with its own options: `--help` prints them, otherwise `action` gets them parsed. */
function optionCommand(
  usage: string,
  description: string,
  specs: readonly OptionSpec[],
  positionals: { min: number; max: number },
  action: (parsed: ParsedArgs, io: K3sIo) => Promise<number | void>,
): Subcommand {
  return {
    description,
    run: async (args, io) => {
      if (wantsHelp(args)) {
        io.stdout(renderHelp(usage, description, specs));
        return 0;
      }
      return (await action(parseOptionArgs(specs, args, { command: usage.split(/ [[<]/)[0]!, positionals }), io)) ?? 0;
    },
  };
}

/** A command made of subcommands (`k3s token`, `k3s` itself). */
function groupCommand(usage: string, description: string, subs: Record<string, Subcommand>): Subcommand {
  const help = renderCommandsHelp(usage, description, Object.entries(subs).map(([n, c]) => [n, c.description] as const));
  return {
    description,
    run: async ([first, ...rest], io) => {
      if (first === "--help" || first === "-h") {
        io.stdout(help);
        return 0;
      }
      const sub = first === undefined ? undefined : Object.hasOwn(subs, first) ? subs[first] : undefined;
      if (!sub) throw new UsageError(`${first === undefined ? "no command given" : `unknown command "${first}"`}\n${help.trimEnd()}`);
      return sub.run(rest, io);
    },
  };
}

const DATA_DIR: OptionSpec = { name: "data-dir", short: "d", env: "K3S_DATA_DIR", kind: "string", default: K3S_DEFAULTS.dataDir, help: "Folder holding the server's state" };
const KUBECONFIG: OptionSpec = { name: "kubeconfig", env: "KUBECONFIG", kind: "string", help: "Server connection file (default: the server's admin credentials)" };
const TOKEN_CREATE: readonly OptionSpec[] = [
  DATA_DIR,
  KUBECONFIG,
  { name: "ttl", kind: "string", default: "24h", help: "The duration before the token is automatically deleted (0 = never)" },
  { name: "description", kind: "string", help: "A human friendly description of how this token is used" },
  { name: "groups", kind: "string", default: DEFAULT_GROUPS.join(","), help: "Extra groups that this token will authenticate as" },
  { name: "usages", kind: "string", default: DEFAULT_USAGES.join(","), help: "Ways in which this token can be used" },
];

function tokenContext(parsed: ParsedArgs, io: K3sIo) {
  const paths = nodePaths({ dataDir: stringOption(parsed, DATA_DIR, io.env)!, writeKubeconfig: K3S_DEFAULTS.kubeconfig }, rootOf(io.env));
  const runner = io.runner ?? new ProcessRunner();
  const kubeconfig = stringOption(parsed, KUBECONFIG, io.env) ?? paths.server.cred.adminKubeconfig;
  return { paths, k: { runner, kubectl: kubeBinaries(kubeDir(io.env)).applet("kubectl"), kubeconfig } };
}

const tokenCommand = groupCommand("k3s token <command>", "Manage bootstrap tokens", {
  create: optionCommand("k3s token create [token] [options]", "Create bootstrap tokens on the server", TOKEN_CREATE, { min: 0, max: 1 }, async (p, io) => {
    const { paths, k } = tokenContext(p, io);
    const option = (name: string) => stringOption(p, TOKEN_CREATE.find((s) => s.name === name)!, io.env);
    const out = await createBootstrapToken(k, readFileSync(paths.server.tls.serverCa.crt, "utf8"), {
      token: p.positionals[0],
      ttlSeconds: parseDuration(option("ttl")!),
      description: option("description"),
      groups: option("groups")!.split(",").filter(Boolean),
      usages: option("usages")!.split(",").filter(Boolean),
      now: new Date(),
    });
    io.stdout(`${out}\n`);
  }),
  list: optionCommand("k3s token list [options]", "List bootstrap tokens on the server", [DATA_DIR, KUBECONFIG], { min: 0, max: 0 }, async (p, io) => {
    io.stdout(await listBootstrapTokens(tokenContext(p, io).k, new Date()));
  }),
  delete: optionCommand("k3s token delete <token...> [options]", "Delete bootstrap tokens on the server", [DATA_DIR, KUBECONFIG], { min: 1, max: Infinity }, async (p, io) => {
    await deleteBootstrapTokens(tokenContext(p, io).k, p.positionals);
  }),
  generate: optionCommand("k3s token generate", "Generate and print a bootstrap token, but do not create it on the server", [], { min: 0, max: 0 }, async (_p, io) => {
    io.stdout(`${generateBootstrapToken()}\n`);
  }),
});

const KILLALL: readonly OptionSpec[] = [{ name: "dry-run", kind: "bool", help: "print what would be done" }, { ...DATA_DIR, help: "Folder holding the state" }];

const SUBCOMMANDS: Record<string, Subcommand> = {
  server: { description: "Run management server", run: (args, io) => runNode("server", args, io) },
  agent: { description: "Run node agent", run: (args, io) => runNode("agent", args, io) },
  kubectl: toolCommand("kubectl"),
  crictl: toolCommand("crictl"),
  ctr: toolCommand("ctr"),
  token: tokenCommand,
  "check-config": optionCommand("k3s check-config", "Check the kernel, cgroups and installed components", [], { min: 0, max: 0 }, async (_p, io) => {
    const r = formatChecks(runChecks({ root: rootOf(io.env), release: release(), bins: kubeBinaries(kubeDir(io.env)) }));
    io.stdout(r.text);
    return r.failed === 0 ? 0 : 1;
  }),
  killall: optionCommand("k3s killall [options]", "Kill the node's processes and remove its mounts, interfaces and iptables rules", KILLALL, { min: 0, max: 0 }, async (p, io) => {
    const root = rootOf(io.env);
    const log: Logger = createLogger({ prefix: "k3s killall", write: (l) => io.stderr(`${l}\n`) });
    const runner = p.values.get("dry-run") ? new DryRunner((l) => io.stdout(`${l}\n`)) : (io.runner ?? new ProcessRunner(log.debug));
    const paths = nodePaths({ dataDir: stringOption(p, DATA_DIR, io.env)!, writeKubeconfig: K3S_DEFAULTS.kubeconfig }, root);
    await killall({ root, paths, bins: kubeBinaries(kubeDir(io.env)), runner, log });
  }),
};

const k3sCommand = groupCommand("k3s [--version] [--help] <command>", "k3os's k3s-compatible runtime: a Kubernetes node from upstream components", SUBCOMMANDS);

export async function k3sMain(argv: string[], io: K3sIo = defaultIo()): Promise<number> {
  try {
    if (argv[0] === "--version" || argv[0] === "-v") {
      io.stdout(k3sVersionText());
      return 0;
    }
    return await k3sCommand.run(argv, io);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(`${msg.startsWith("k3s") ? "" : "k3s: "}${msg}\n`);
    // A flag or command this runtime does not know is a usage error: exit 2, as parsers conventionally do.
    return e instanceof UsageError ? 2 : 1;
  }
}
