// `npm run bench`: runs the sub-benchmarks as subprocesses (each keeps its own process, so one
// that crashes or leaks cannot skew another) and merges their JSON into dist/bench.json with when
// it was measured, the host's load around each part and the machine's facts.
//   tsx scripts/bench.ts [--only kube,k3s,boot,node] [--out FILE] [--boot-runs N] [--idle-seconds N] [--node-memory MiB,...]
// Parts not run keep their previous figures in the file, each with its own measuredAt and load.
//   kube: builder/kube/figures.ts (binary and archive sizes, caches, build time; builds when cold)
//   k3s:  scripts/bench-k3s.ts (a server and an agent to Ready in namespaces; root)
//   boot: builder/bench/boot.ts (QEMU boots of the built ISO; writes dist/bench-boot.json)
//   node: builder/bench/node.ts (the live ISO to node Ready at each memory size; OS idle memory)
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, freemem, loadavg, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ProcessRunner, type Runner } from "../src/exec/runner.ts";

export const partNames = ["kube", "k3s", "boot", "node"] as const;
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

export function parseBenchArgs(argv: string[], repo: string): BenchOptions {
  const opts: BenchOptions = { only: [...partNames], out: join(repo, "dist", "bench.json") };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  const count = (i: number, flag: string): number => {
    const n = Number(value(i, flag));
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive whole number, not ${argv[i + 1]}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--only") {
      const names = value(i, a).split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !(partNames as readonly string[]).includes(n));
      if (unknown.length || names.length === 0) throw new Error(`--only takes ${partNames.join(",")}; got ${value(i, a)}`);
      opts.only = partNames.filter((p) => names.includes(p));
    } else if (a === "--out") opts.out = resolve(value(i, a));
    else if (a === "--boot-runs") opts.bootRuns = count(i, a);
    else if (a === "--idle-seconds") opts.idleSeconds = count(i, a);
    else if (a === "--node-memory") opts.nodeMemory = value(i, a);
    else throw new Error(`unknown option ${a} (options: --only ${partNames.join(",")}, --out FILE, --boot-runs N, --idle-seconds N, --node-memory MiB,...)`);
    i++;
  }
  return opts;
}

/** The subprocess of each part; TypeScript files run through tsx in a fresh node. */
export function partCommand(part: PartName, opts: BenchOptions, repo: string, node = process.execPath): string[] {
  const tsx = (file: string, ...args: string[]) => [node, "--import", "tsx", join(repo, file), ...args];
  if (part === "kube") return tsx("builder/kube/figures.ts");
  if (part === "k3s") return tsx("scripts/bench-k3s.ts", ...(opts.idleSeconds ? ["--idle-seconds", String(opts.idleSeconds)] : []));
  if (part === "node") return tsx("builder/bench/node.ts", ...(opts.nodeMemory ? ["--memory", opts.nodeMemory] : []));
  return tsx("builder/bench/boot.ts", ...(opts.bootRuns ? ["--runs", String(opts.bootRuns)] : []));
}

/**
 * A part's JSON: kube, k3s and node print one document on stdout; boot prints a line per run and writes
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

async function main(): Promise<number> {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const opts = parseBenchArgs(process.argv.slice(2), repo);
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
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, `${JSON.stringify(merged, null, 2)}\n`);
  process.stdout.write(`${opts.out}\n`);
  return Object.values(ran).every((p) => p.ok) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main()
    .then((code) => (process.exitCode = code))
    .catch((e: Error) => {
      process.stderr.write(`bench: error: ${e.message}\n`);
      process.exitCode = 2;
    });
}
