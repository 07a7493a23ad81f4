// Everything an install needs, checked before its first write: the device (exists, a whole disk
// or with no_format a K3OS_STATE partition, nothing on it in use, large enough), the install
// source, the config at config_url. Every problem is collected and reported at once, each naming
// the device, key or URL; one problem means nothing is written.
import { type DeviceFacts, readDeviceFacts } from "./device-facts.ts";
import { checkInstallConfig, fetchInstallConfig, type FetchedConfig } from "./config-url.ts";
import { readSourceSystem, type SourceComponent } from "./copy-plan.ts";
import { MIN_STATE_BYTES, minDiskBytes, partitionDevice, planPartitions, type PartitionPlan } from "./partition-plan.ts";
import type { InstallSpec } from "./spec.ts";

export interface PreparedInstall {
  spec: InstallSpec;
  facts: DeviceFacts;
  /** The whole disk GRUB is installed on. */
  disk: string;
  /** Undefined with no_format: the partitions exist. */
  plan?: PartitionPlan;
  stateDevice: string;
  espDevice?: string;
  statePartition: number;
  components: SourceComponent[];
  config?: string;
  warnings: string[];
}

export class PreflightError extends Error {
  constructor(readonly problems: string[]) {
    // a problem's detail lines (indented) go under it, not as problems of their own
    super(`install refused, nothing was written:\n${problems.map((p) => (p.startsWith("  ") ? `    ${p.trim()}` : `  - ${p}`)).join("\n")}`);
    this.name = "PreflightError";
  }
}

export function formatSize(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** Judges the device facts against the spec; pure. */
export function checkDevice(spec: InstallSpec, facts: DeviceFacts): string[] {
  const dev = spec.device;
  if (!dev) return ["no install device: set k3os.install.device (config or kernel cmdline) or --device"];
  if (!facts.exists) return [`${dev}: no such device`];
  if (!facts.isBlock) return [`${dev}: not a block device`];
  if (facts.name === undefined || facts.sizeBytes === undefined) return [`${dev}: the kernel does not list it in /sys/class/block`];
  const problems: string[] = [];
  if (facts.readOnly) problems.push(`${dev}: read-only`);
  if (spec.noFormat) {
    if (!facts.partition) problems.push(`${dev}: no_format installs into an existing K3OS_STATE partition; this is a whole disk`);
    if (facts.ext4Label !== "K3OS_STATE") {
      const found = facts.ext4Label === undefined ? "no ext4 filesystem" : `an ext4 filesystem labelled ${JSON.stringify(facts.ext4Label)}`;
      problems.push(`${dev}: no_format needs an ext4 filesystem labelled K3OS_STATE; found ${found}`);
    }
    if (facts.sizeBytes < MIN_STATE_BYTES) {
      problems.push(`${dev}: ${formatSize(facts.sizeBytes)} is too small: K3OS_STATE needs at least ${formatSize(MIN_STATE_BYTES)}`);
    }
    if (spec.firmware === "efi") problems.push(`${dev}: no_format with EFI (GRUB into an existing ESP) is not supported yet`);
  } else {
    if (facts.partition) {
      problems.push(`${dev}: partition ${facts.partition.number} of ${facts.partition.disk}; give the whole disk (or no_format to install into an existing K3OS_STATE partition)`);
    }
    const least = minDiskBytes(spec.firmware);
    if (facts.sizeBytes < least) {
      problems.push(
        `${dev}: ${formatSize(facts.sizeBytes)} is too small: K3OS_STATE needs at least ${formatSize(MIN_STATE_BYTES)}, ` +
          `so the disk at least ${formatSize(least)} (${spec.firmware.toUpperCase()})`,
      );
    }
  }
  for (const m of facts.mounts) problems.push(`${dev}: in use: ${m} is mounted (the live system's own disk cannot be installed to)`);
  for (const u of facts.inUse) problems.push(`${dev}: in use: ${u}`);
  return problems;
}

/**
 * Reads and checks everything; throws PreflightError with every problem found. `answeredConfig`
 * is config text from the interactive questions, checked as config_url's would be.
 */
export async function preflight(spec: InstallSpec, root: string, answeredConfig?: string): Promise<PreparedInstall> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const facts = await readDeviceFacts(root, spec.device || "/dev/null");
  problems.push(...checkDevice(spec, facts));
  const source = await readSourceSystem(spec.source);
  problems.push(...source.problems);
  let config: string | undefined;
  const take = (fetched: FetchedConfig, what: string) => {
    if (fetched.ok) {
      config = fetched.text;
      warnings.push(...fetched.problems);
    } else {
      problems.push(`${what} is not a valid config:`, ...fetched.problems.map((p) => `  ${p}`));
    }
  };
  if (answeredConfig !== undefined) {
    take(checkInstallConfig("answers", answeredConfig), "the answered config");
  } else if (spec.configUrl) {
    try {
      take(await fetchInstallConfig(spec.configUrl, root), `k3os.install.config_url: ${spec.configUrl}`);
    } catch (e) {
      problems.push(`k3os.install.config_url: ${(e as Error).message}`);
    }
  }
  if (problems.length > 0) throw new PreflightError(problems);

  const disk = facts.partition ? facts.partition.disk : `/dev/${facts.name}`;
  const plan = spec.noFormat ? undefined : planPartitions(spec.firmware);
  const statePartition = plan ? plan.state : (facts.partition?.number ?? 1);
  return {
    spec,
    facts,
    disk,
    ...(plan ? { plan } : {}),
    stateDevice: plan ? partitionDevice(disk, plan.state) : `/dev/${facts.name}`,
    ...(plan?.esp ? { espDevice: partitionDevice(disk, plan.esp) } : {}),
    statePartition,
    components: source.components,
    ...(config !== undefined ? { config } : {}),
    warnings,
  };
}
