// `k3os install`: flags and config resolved into one spec, checked completely (preflight), then
// the install's steps run through the one command runner (a DryRunner for --dry-run).
import { access, mkdir, mkdtemp, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DryRunner, ProcessRunner, type Runner } from "../exec/runner.ts";
import { loadConfig } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { createLogger, type Logger } from "../system/log.ts";
import { inRoot } from "../system/paths.ts";
import { readText } from "./device-facts.ts";
import { INSTALL_USAGE, parseInstallArgs, UsageError, type InstallArgs } from "./install-args.ts";
import { expectedIsoSum, fetchIso, type IsoFile } from "./iso-source.ts";
import { planInstallSteps, runInstallSteps, waitForDeviceNode, type InstallContext } from "./install-steps.ts";
import { formatSize, preflight, PreflightError, type PreparedInstall } from "./preflight.ts";
import { askInstall, confirmErase, listDisks, type PromptStreams } from "./questions.ts";
import { resolveInstallSpec, type InstallSpec } from "./spec.ts";

export interface InstallIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where questions are asked; default: the terminal, when stdin is one. */
  prompts?: PromptStreams;
  /** Runs the read-only mount of an iso_url's ISO (also in --dry-run); default: a ProcessRunner. */
  sourceRunner?: Runner;
}

interface MountedIso {
  iso: IsoFile;
  dir: string;
}

/** Fetches, checks and mounts iso_url's ISO read-only; its directory becomes the install source. */
async function mountIsoSource(url: string, root: string, runner: Runner, io: InstallIo): Promise<MountedIso> {
  const expected = await expectedIsoSum(url, root);
  const work = await mkdtemp(join(tmpdir(), "k3os-iso-"));
  const iso = await fetchIso(url, root, work, io.out);
  const mounted = { iso, dir: join(work, "medium") };
  try {
    if (iso.sha256 !== expected) throw new Error(`${url}: sha256 ${iso.sha256}, but sha256sum.txt says ${expected}`);
    io.out(`${url}: ${(iso.bytes / 1024 ** 2).toFixed(1)} MiB, sha256 ${iso.sha256} matches sha256sum.txt`);
    await mkdir(mounted.dir);
    await runner.run(["mount", "-t", "iso9660", "-o", "loop,ro", iso.path, mounted.dir]);
  } catch (e) {
    await releaseIsoSource(mounted, runner, false);
    throw e;
  }
  return mounted;
}

async function releaseIsoSource(m: MountedIso, runner: Runner, mounted = true): Promise<void> {
  if (mounted) await runner.run(["umount", m.dir], { allowFailure: true }).catch(() => {});
  await rmdir(m.dir).catch(() => {});
  if (m.iso.downloaded) await rm(m.iso.path, { force: true });
  await rmdir(dirname(m.dir)).catch(() => {});
}

const stdio: InstallIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** The spec from the config under root (its k3os.install section and k3os.install.* cmdline keys) and the flags. */
export async function resolveFromRoot(a: InstallArgs): Promise<{ spec?: InstallSpec; problems: string[] }> {
  const loaded = await loadConfig(a.root);
  const errors = loaded.problems.filter((p) => p.severity === "error");
  // A source with an error is left out of the merge: its install keys would silently not count.
  if (errors.length > 0) return { problems: errors.map((p) => `config: ${formatProblem(p)}`) };
  const efiFirmware = await exists(inRoot(a.root, "/sys/firmware/efi"));
  const spec = resolveInstallSpec(loaded.config.k3os?.install, { source: a.root, ...a.flags }, { efiFirmware });
  return { spec, problems: [] };
}

export function describeInstall(p: PreparedInstall): string[] {
  const s = p.spec;
  const lines = [
    `device:    ${s.device} (${formatSize(p.facts.sizeBytes ?? 0)})${s.noFormat ? ", not formatted (no_format)" : ", ERASED"}`,
    `firmware:  ${s.firmware.toUpperCase()} (EFI ${s.firmwareReason})`,
  ];
  if (p.plan) {
    const parts = p.plan.partitions.map((x) => `${x.role === "esp" ? p.espDevice : p.stateDevice} ${x.role === "esp" ? "ESP (vfat)" : "K3OS_STATE (ext4)"}`);
    lines.push(`table:     ${p.plan.label === "gpt" ? "GPT" : "msdos"}: ${parts.join(", ")}`);
  }
  lines.push(`system:    ${p.components.map((c) => `${c.component} ${c.version}`).join(", ")} from ${s.source}`);
  lines.push(`config:    ${s.configUrl ?? (p.config !== undefined ? "answered here" : "none (the installed node starts unconfigured)")}`);
  if (s.tty) lines.push(`console:   ${s.tty}`);
  return lines;
}

export async function runInstallCommand(args: string[], io: InstallIo = stdio): Promise<number> {
  let a: InstallArgs;
  try {
    a = parseInstallArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`k3os install: ${e.message}\n(see k3os install --help)`);
    return 2;
  }
  if (a.help) {
    io.out(INSTALL_USAGE);
    return 0;
  }
  // as k3OS: an installed system has no `k3os install`; its own disk is not a target
  if ((await readText(inRoot(a.root, "/run/k3os/mode"))) === "disk") {
    io.err("k3os install: only on a live system (this one booted from its K3OS_STATE disk)");
    return 1;
  }
  const resolved = await resolveFromRoot(a);
  if (!resolved.spec) {
    io.err(`k3os install: refused, nothing was written:\n${resolved.problems.map((p) => `  - ${p}`).join("\n")}`);
    return 1;
  }
  let spec = resolved.spec;
  const log: Logger = createLogger({ debug: spec.debug, prefix: "k3os install", write: io.err });
  // as k3OS: questions unless silent; --yes (the unattended form of the flags) asks nothing either
  const prompts = io.prompts ?? (process.stdin.isTTY ? { input: process.stdin, output: process.stdout } : undefined);
  const interactive = !spec.silent && !a.yes && prompts !== undefined;
  let answeredConfig: string | undefined;
  if (interactive) {
    const answers = await askInstall(prompts, spec, await listDisks(a.root));
    spec = { ...spec, device: answers.device, ...(answers.configUrl ? { configUrl: answers.configUrl } : {}) };
    answeredConfig = answers.config;
  }
  const sourceRunner = io.sourceRunner ?? new ProcessRunner((m) => log.debug(m));
  let iso: MountedIso | undefined;
  if (spec.isoUrl) {
    try {
      iso = await mountIsoSource(spec.isoUrl, a.root, sourceRunner, io);
    } catch (e) {
      io.err(`k3os install: ${new PreflightError([`k3os.install.iso_url: ${(e as Error).message}`]).message}`);
      return 1;
    }
    spec = { ...spec, source: iso.dir };
  }
  try {
    return await installFrom(spec, a, io, log, interactive ? prompts : undefined, answeredConfig);
  } finally {
    if (iso) await releaseIsoSource(iso, sourceRunner);
  }
}

async function installFrom(
  spec: InstallSpec, a: InstallArgs, io: InstallIo, log: Logger, prompts: PromptStreams | undefined, answeredConfig: string | undefined,
): Promise<number> {
  const interactive = prompts !== undefined;
  let prepared: PreparedInstall;
  try {
    prepared = await preflight(spec, a.root, answeredConfig);
  } catch (e) {
    if (!(e instanceof PreflightError)) throw e;
    io.err(`k3os install: ${e.message}`);
    return 1;
  }
  for (const w of prepared.warnings) log.warn(w);
  for (const line of describeInstall(prepared)) io.out(line);
  if (!a.dryRun && interactive && !(await confirmErase(prompts, spec.device, spec.noFormat))) {
    io.err("k3os install: not confirmed; nothing was written");
    return 1;
  }
  if (!a.dryRun && !interactive && !a.yes && !spec.silent) {
    io.err(`k3os install: this erases ${spec.device}; pass --yes (or k3os.install.silent=true) to go on, or run it on a terminal. Nothing was written.`);
    return 1;
  }
  const runner: Runner = a.dryRun ? new DryRunner(io.out) : new ProcessRunner((m) => log.debug(m));
  const target = await mkdtemp(join(tmpdir(), "k3os-install-"));
  const ctx: InstallContext = {
    runner,
    log: a.dryRun ? createLogger({ debug: spec.debug, write: io.out }) : log,
    target,
    liveCmdline: (await readText(inRoot(a.root, "/proc/cmdline"))) ?? "",
    waitForDevice: (path) => waitForDeviceNode(path),
  };
  try {
    const started = Date.now();
    await runInstallSteps(planInstallSteps(prepared, ctx), ctx);
    if (!a.dryRun) io.out(`installed k3os to ${spec.device} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    io.err(`k3os install: ${(e as Error).message}`);
    return 1;
  } finally {
    // rmdir, never a recursive remove: the target may still be a mount point after a failure
    await rmdir(target).catch(() => {});
  }
  return finishInstall(spec, a, runner, io);
}

/** As k3OS: power off when asked; an unattended install (booted k3os.mode=install) reboots into the disk. */
async function finishInstall(spec: InstallSpec, a: InstallArgs, runner: Runner, io: InstallIo): Promise<number> {
  if (spec.powerOff) {
    await runner.run(["poweroff"]);
    return 0;
  }
  if ((await readText(inRoot(a.root, "/run/k3os/mode"))) === "install") {
    await runner.run(["reboot"]);
    return 0;
  }
  if (!a.dryRun) io.out("remove the install medium and reboot to start the installed system");
  return 0;
}
