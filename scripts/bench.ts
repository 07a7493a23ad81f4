// `npm run bench`: runs the sub-benchmarks as subprocesses (each keeps its own process, so one
// that crashes or leaks cannot skew another) and merges their JSON into dist/bench.json with when
// it was measured, the host's load around each part and the machine's facts.
// Parts not run keep their previous figures in the file, each with its own measuredAt and load.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { cpus, freemem, loadavg, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isMain, positiveInt, runMain, UsageError } from "../builder/cli-args.ts";
import { ProcessRunner, type Runner } from "../src/exec/runner.ts";
import { writeFileAtomic } from "../src/system/atomic-write.ts";

export const partNames = ["kube", "k3s", "os", "boot", "node"] as const;
export type PartName = (typeof partNames)[number];

export interface BenchOptions {
  only: PartName[];
  out: string;
  bootRuns?: number;
  idleSeconds?: number;
  /** memory sizes (MiB) the node part boots the live ISO with */
  nodeMemory?: string;
}

export interface PartResult {
  ok: boolean;
  measuredAt: string;
  seconds: number;
  loadBefore: number[];
  loadAfter: number[];
  command: string[];
  result?: unknown;
  error?: string;
}

export interface BenchFile {
  measuredAt: string;
  host: Record<string, unknown>;
  parts: Partial<Record<PartName, PartResult>>;
}

export const BENCH_USAGE = "usage: tsx scripts/bench.ts [--only PART,...] [--out FILE] [--boot-runs N] [--idle-seconds N] [--node-memory MiB,...]";
export const BENCH_DETAILS = `  PART is one of ${partNames.join(", ")} (default: all, in that order); figures merge into FILE (default dist/bench.json).
  kube: builder/kube/figures.ts   sizes of the Kubernetes binaries and image archives, caches, build time (builds when cold)
  k3s:  scripts/bench-k3s.ts      a k3s server and agent from source to Ready in namespaces, idle PSS (root; --idle-seconds)
  os:   scripts/bench-os.ts       the built OS as server and agent in namespaces, idle PSS, the OS alone without k3s (root; --idle-seconds)
  boot: builder/bench/boot.ts     QEMU boots of the built ISO and kernel to login against a baseline (--boot-runs)
  node: builder/bench/node.ts     the live ISO to node Ready at each memory size, guest memory (--node-memory)`;

export function parseBenchArgs(args: string[], repo: string): BenchOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      only: { type: "string" },
      out: { type: "string" },
      "boot-runs": { type: "string" },
      "idle-seconds": { type: "string" },
      "node-memory": { type: "string" },
    },
  });
  const opts: BenchOptions = { only: [...partNames], out: values.out === undefined ? join(repo, "dist", "bench.json") : resolve(values.out) };
  if (values.only !== undefined) {
    const names = values.only.split(",").map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !(partNames as readonly string[]).includes(n));
    if (unknown.length || names.length === 0) throw new UsageError(`--only takes ${partNames.join(",")}; got ${values.only}`);
    opts.only = partNames.filter((p) => names.includes(p));
  }
  if (values["boot-runs"] !== undefined) opts.bootRuns = positiveInt("--boot-runs", values["boot-runs"]);
  if (values["idle-seconds"] !== undefined) opts.idleSeconds = positiveInt("--idle-seconds", values["idle-seconds"]);
  if (values["node-memory"] !== undefined) opts.nodeMemory = values["node-memory"];
  return opts;
}

/** The subprocess of each part; TypeScript files run through tsx in a fresh node. */
export function partCommand(part: PartName, opts: BenchOptions, repo: string, node = process.execPath): string[] {
  const tsx = (file: string, ...args: string[]) => [node, "--import", "tsx", join(repo, file), ...args];
  if (part === "kube") return tsx("builder/kube/figures.ts");
  const idle = opts.idleSeconds ? ["--idle-seconds", String(opts.idleSeconds)] : [];
  if (part === "k3s") return tsx("scripts/bench-k3s.ts", ...idle);
  if (part === "os") return tsx("scripts/bench-os.ts", ...idle);
  if (part === "node") return tsx("builder/bench/node.ts", ...(opts.nodeMemory ? ["--memory", opts.nodeMemory] : []));
  return tsx("builder/bench/boot.ts", ...(opts.bootRuns ? ["--runs", String(opts.bootRuns)] : []));
}

/**
 * A part's JSON: kube, k3s, os and node print one document on stdout; boot prints a line per run and writes
 * the whole to dist/bench-boot.json, which must be newer than the start of this run.
 */
export async function readPartResult(part: PartName, stdout: string, repo: string, startedAt: Date): Promise<unknown> {
  if (part !== "boot") return JSON.parse(stdout);
  const file = join(repo, "dist", "bench-boot.json");
  if (!existsSync(file)) throw new Error(`${file} was not written`);
  const doc = JSON.parse(await readFile(file, "utf8")) as { at?: string };
  if (!doc.at || Date.parse(doc.at) < startedAt.getTime()) throw new Error(`${file} is from ${doc.at ?? "an unknown time"}, before this run: the boot bench did not write it`);
  return doc;
}

const loadNow = () => loadavg().map((l) => Number(l.toFixed(2)));

export interface RunPartDeps {
  now?: () => Date;
  /** Where the subprocess's progress (its stderr) is shown. */
  log?: (text: string) => void;
}

export async function runPart(runner: Runner, part: PartName, opts: BenchOptions, repo: string, deps: RunPartDeps = {}): Promise<PartResult> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? ((t: string) => process.stderr.write(t));
  const command = partCommand(part, opts, repo);
  const started = now();
  const loadBefore = loadNow();
  const base = { measuredAt: started.toISOString(), loadBefore, command };
  const seconds = () => Number(((now().getTime() - started.getTime()) / 1000).toFixed(1));
  const r = await runner.run(command, { cwd: repo, allowFailure: true });
  // The subprocess's progress is on its stderr; shown after it, as the runner collects output.
  if (r.stderr.trim()) log(`${r.stderr.trimEnd().split("\n").map((l) => `  ${part}| ${l}`).join("\n")}\n`);
  if (r.exitCode !== 0) {
    const tail = r.stderr.trimEnd().split("\n").slice(-5).join("\n");
    return { ok: false, ...base, seconds: seconds(), loadAfter: loadNow(), error: `exit ${r.exitCode ?? r.signal}: ${tail}` };
  }
  try {
    return { ok: true, ...base, seconds: seconds(), loadAfter: loadNow(), result: await readPartResult(part, r.stdout, repo, started) };
  } catch (e) {
    return { ok: false, ...base, seconds: seconds(), loadAfter: loadNow(), error: `unreadable result: ${(e as Error).message}` };
  }
}

/** The new file: this run's parts replace their namesakes, the others are kept as they were. */
export function mergeBench(previous: BenchFile | undefined, ran: Partial<Record<PartName, PartResult>>, host: Record<string, unknown>, measuredAt: string): BenchFile {
  const parts: BenchFile["parts"] = {};
  for (const name of partNames) {
    const part = ran[name] ?? previous?.parts?.[name];
    if (part) parts[name] = part;
  }
  return { measuredAt, host, parts };
}

export async function machineFacts(runner: Runner): Promise<Record<string, unknown>> {
  const go = await runner.run(["go", "version"], { allowFailure: true, env: { PATH: `${process.env.PATH}:/usr/local/go/bin` } }).catch(() => undefined);
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    kernel: release(),
    node: process.version,
    go: go?.exitCode === 0 ? go.stdout.trim() : "not found",
  };
}

async function readPrevious(file: string): Promise<BenchFile | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, "utf8")) as BenchFile;
  } catch {
    return undefined; // a damaged file is replaced, not merged
  }
}

async function main(args: string[]): Promise<number> {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const opts = parseBenchArgs(args, repo);
  const runner = new ProcessRunner();
  const measuredAt = new Date().toISOString();
  const host = { ...(await machineFacts(runner)), loadAtStart: loadNow() };
  const ran: Partial<Record<PartName, PartResult>> = {};
  for (const part of opts.only) {
    process.stderr.write(`bench: ${part}: ${partCommand(part, opts, repo).slice(2).join(" ")} (load ${loadNow().join(" ")})\n`);
    ran[part] = await runPart(runner, part, opts, repo);
    process.stderr.write(`bench: ${part}: ${ran[part]!.ok ? "done" : `FAILED: ${ran[part]!.error}`} in ${ran[part]!.seconds} s\n`);
  }
  const merged = mergeBench(await readPrevious(opts.out), ran, { ...host, loadAtEnd: loadNow() }, measuredAt);
  await writeFileAtomic(opts.out, `${JSON.stringify(merged, null, 2)}\n`);
  process.stdout.write(`${opts.out}\n`);
  return Object.values(ran).every((p) => p.ok) ? 0 : 1;
}

if (isMain(import.meta.url)) runMain({ name: "bench", usage: BENCH_USAGE, details: BENCH_DETAILS }, main);
