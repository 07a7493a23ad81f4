// `k3os datasource`: probes the cloud datasources and writes what the first one gave under
// /run/config, where the runtime phase of `k3os config` reads it. It exits 0 when no source
// answers or a source fails: a node without cloud config still boots. 1 only when the results
// could not be written, 2 for a wrong command line.
import { parseArgs } from "node:util";
import type { Io } from "../cli/io.ts";
import { loadConfig } from "../config/load.ts";
import { resolveDataSources } from "../config/resolve.ts";
import { ProcessRunner } from "../exec/runner.ts";
import { NodeFiles } from "../system/files.ts";
import { createLogger } from "../system/log.ts";
import { DEFAULT_HTTP, MetadataHttp } from "./http.ts";
import { writeFound } from "./output.ts";
import { DATASOURCES, probeDatasources } from "./probe.ts";

const DEFAULT_TIMEOUT_S = 20;

export const DATASOURCE_USAGE =
  "usage: k3os datasource [--root DIR] [--timeout S] [--dry-run] [--debug] [--metadata-url URL] [source...]\n\n" +
  "Probes cloud datasources in order (the sources given, else k3os.data_sources of the config) and\n" +
  "writes what the first to serve userdata gave: /run/config/userdata, /run/config/local_hostname,\n" +
  "/run/config/ssh/authorized_keys.\n\n" +
  `  source            ${[...DATASOURCES.keys()].join(", ")}\n` +
  "  --root DIR        the node's root directory (default /)\n" +
  `  --timeout S       total deadline of the probe in seconds (default ${DEFAULT_TIMEOUT_S})\n` +
  "  --dry-run         probe, then print what would be written; write nothing\n" +
  "  --debug           log every request and command\n" +
  "  --metadata-url U  the base URL of every HTTP source (testing, or a metadata proxy)\n\n" +
  "Exit status: 0 done, also when no source answered; 1 the results could not be written; 2 wrong usage.\n";

const OPTIONS = {
  root: { type: "string", default: "/" },
  timeout: { type: "string", default: String(DEFAULT_TIMEOUT_S) },
  "dry-run": { type: "boolean" },
  debug: { type: "boolean" },
  "metadata-url": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

class UsageError extends Error {}

function parseCommandLine(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError((e as Error).message);
    throw e;
  }
  const { values, positionals } = parsed;
  const timeout = Number(values.timeout);
  if (!/^\d+(\.\d+)?$/.test(values.timeout) || !(timeout > 0 && timeout <= 600)) throw new UsageError(`--timeout: expected seconds between 0 and 600, got "${values.timeout}"`);
  if (values.root === "") throw new UsageError("--root must not be empty (it would mean the host's /); give a directory");
  const url = values["metadata-url"];
  if (url !== undefined && !/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--metadata-url: expected an http:// or https:// URL, got "${url}"`);
  const unknown = positionals.filter((p) => !DATASOURCES.has(p));
  if (unknown.length > 0) throw new UsageError(`unknown datasource(s): ${unknown.join(", ")} (known: ${[...DATASOURCES.keys()].join(", ")})`);
  return { values, positionals, timeoutMs: timeout * 1000 };
}

export async function datasourceMain(args: string[], io: Io): Promise<number> {
  let cmd;
  try {
    cmd = parseCommandLine(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`k3os datasource: ${e.message}`);
    io.err("run `k3os datasource --help` for the options");
    return 2;
  }
  const { values, positionals, timeoutMs } = cmd;
  if (values.help) {
    io.out(DATASOURCE_USAGE);
    return 0;
  }
  const log = createLogger({ debug: values.debug ?? false, prefix: "k3os datasource", write: io.err });
  const names = positionals.length > 0 ? positionals : await configuredSources(values.root, log);
  if (names.length === 0) {
    log.info("no datasource configured (k3os.data_sources); nothing to probe");
    return 0;
  }
  const started = performance.now();
  const deadline = AbortSignal.timeout(timeoutMs);
  const http = new MetadataHttp({ ...DEFAULT_HTTP, requestTimeoutMs: Math.min(DEFAULT_HTTP.requestTimeoutMs, timeoutMs), deadline });
  const report = await probeDatasources(
    names,
    {
      http,
      runner: new ProcessRunner(log.debug),
      root: values.root,
      log,
      remainingMs: () => Math.max(0, timeoutMs - (performance.now() - started)),
      ...(values["metadata-url"] ? { baseUrl: values["metadata-url"] } : {}),
    },
    deadline,
  );
  const took = `${((performance.now() - started) / 1000).toFixed(2)} s`;
  if (!report.winner) {
    log.info(`no datasource answered (${names.join(", ")}); going on without cloud config (${took})`);
    return 0;
  }
  const files = new NodeFiles(values.root, values["dry-run"] ?? false, (l) => io.out(`${l}\n`));
  try {
    const written = await writeFound(files, report.winner.name, report.winner.found, log.warn);
    log.info(`${values["dry-run"] ? "would write" : "wrote"} ${written.join(", ") || "nothing"} from ${report.winner.name} (${took})`);
    return 0;
  } catch (e) {
    log.error(`cannot write what ${report.winner.name} gave: ${(e as Error).message}`);
    return 1;
  }
}

/** k3os.data_sources of the merged config; a config with errors still gives its valid sources. */
async function configuredSources(root: string, log: ReturnType<typeof createLogger>): Promise<string[]> {
  const loaded = await loadConfig(root);
  let names: string[];
  try {
    names = resolveDataSources(loaded.config);
  } catch (e) {
    log.warn(`k3os.data_sources: ${(e as Error).message}`);
    return [];
  }
  const unknown = names.filter((n) => !DATASOURCES.has(n));
  if (unknown.length > 0) log.warn(`k3os.data_sources: unknown datasource(s) ${unknown.join(", ")}, skipped`);
  return [...new Set(names.filter((n) => DATASOURCES.has(n)))];
}
