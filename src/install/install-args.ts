// `k3os install` flags, parsed strictly (node:util parseArgs): an unknown flag or a stray argument
// is a usage error (exit 2) before anything is read or written.
import { parseArgs } from "node:util";
import type { InstallFlags } from "./spec.ts";

export const INSTALL_USAGE = `Usage: k3os install [options]

Installs k3os to a disk: partitions it (msdos for BIOS, GPT with an ESP for EFI), makes the
K3OS_STATE ext4 filesystem, copies the running system's components, the config and GRUB.
Everything is checked before the first write. Options override the config's k3os.install
section and the k3os.install.* kernel cmdline keys.

  --device DEV        disk to erase and install to (k3os.install.device), e.g. /dev/vda
  --config-url URL    config installed as /k3os/system/config.yaml: http(s)://, file:// or a path
                      (k3os.install.config_url); validated before anything is written
  --iso-url URL       ISO to install from when booted without one (k3os.install.iso_url)
  --no-format         do not partition or format: DEV is an existing K3OS_STATE partition
                      (k3os.install.no_format)
  --force-efi         install for EFI even when EFI is not detected (k3os.install.force_efi)
  --tty TTY           console of the installed system, e.g. ttyS0 (k3os.install.tty)
  --debug             log every command; the installed system boots with debug
  --power-off         power off after the install (k3os.install.power_off)
  --silent            ask nothing (k3os.install.silent)
  --yes               do not ask before erasing DEV
  --dry-run           print every command and file of the install; change nothing
  --root DIR          the system's root: config, /proc/cmdline, /sys and /proc/mounts are read
                      under it (default /)
  --source DIR        directory holding the k3os/system tree to install (default: DIR of --root)
  -h, --help          this help

Exit status: 0 installed, 1 refused or failed (nothing written when refused), 2 usage error.`;

export interface InstallArgs {
  flags: InstallFlags;
  yes: boolean;
  dryRun: boolean;
  root: string;
  help: boolean;
}

export class UsageError extends Error {
  override name = "UsageError";
}

/** Throws UsageError with parseArgs' own message for unknown flags, missing values, extra words. */
export function parseInstallArgs(args: string[]): InstallArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        device: { type: "string" },
        "config-url": { type: "string" },
        "iso-url": { type: "string" },
        "no-format": { type: "boolean" },
        "force-efi": { type: "boolean" },
        tty: { type: "string" },
        debug: { type: "boolean" },
        "power-off": { type: "boolean" },
        silent: { type: "boolean" },
        yes: { type: "boolean" },
        "dry-run": { type: "boolean" },
        root: { type: "string" },
        source: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  for (const key of ["device", "config-url", "iso-url", "tty", "root", "source"] as const) {
    if (values[key] === "") throw new UsageError(`--${key} needs a value`);
  }
  const flags: InstallFlags = {};
  if (values.device !== undefined) flags.device = values.device;
  if (values["config-url"] !== undefined) flags.configUrl = values["config-url"];
  if (values["iso-url"] !== undefined) flags.isoUrl = values["iso-url"];
  if (values["no-format"]) flags.noFormat = true;
  if (values["force-efi"]) flags.forceEfi = true;
  if (values.tty !== undefined) flags.tty = values.tty;
  if (values.debug) flags.debug = true;
  if (values["power-off"]) flags.powerOff = true;
  if (values.silent) flags.silent = true;
  if (values.source !== undefined) flags.source = values.source;
  return {
    flags,
    yes: values.yes ?? false,
    dryRun: values["dry-run"] ?? false,
    root: values.root ?? "/",
    help: values.help ?? false,
  };
}
