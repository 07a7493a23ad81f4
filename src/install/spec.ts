// The install spec: what one install does, resolved from every front end in one place (STYLE:
// "defaults live in one place"). Sources, later over earlier: the config's k3os.install section
// (which already holds the k3os.install.* cmdline keys, merged by the config engine), then the
// `k3os install` flags. Pure: the facts it needs (EFI firmware present) are passed in.
import type { InstallConfig } from "../config/schema.ts";

export type Firmware = "bios" | "efi";

/** `k3os install` flags; undefined means "not given", so the config's value stands. */
export interface InstallFlags {
  device?: string;
  configUrl?: string;
  isoUrl?: string;
  noFormat?: boolean;
  forceEfi?: boolean;
  tty?: string;
  debug?: boolean;
  powerOff?: boolean;
  silent?: boolean;
  /** A directory holding the k3os/system tree to install (default: the running system's /k3os). */
  source?: string;
}

export interface InstallSpec {
  /** Empty when no front end named one: preflight refuses it with the keys that set it. */
  device: string;
  configUrl?: string;
  isoUrl?: string;
  noFormat: boolean;
  firmware: Firmware;
  /** Why the firmware is what it is, for the summary. */
  firmwareReason: "detected" | "force_efi" | "not detected";
  /** Console tty of the installed system; undefined: the live system's consoles. */
  tty?: string;
  debug: boolean;
  powerOff: boolean;
  silent: boolean;
  /** Directory whose k3os/system is copied (the medium's root on a live system). */
  source: string;
}

export interface SpecFacts {
  /** /sys/firmware/efi exists under the root. */
  efiFirmware: boolean;
}

const pick = <T>(flag: T | undefined, config: T | undefined): T | undefined => (flag !== undefined ? flag : config);

export function resolveInstallSpec(config: InstallConfig | undefined, flags: InstallFlags, facts: SpecFacts): InstallSpec {
  const c = config ?? {};
  const forceEfi = pick(flags.forceEfi, c.force_efi) ?? false;
  const tty = pick(flags.tty, c.tty);
  const configUrl = pick(flags.configUrl, c.config_url);
  const isoUrl = pick(flags.isoUrl, c.iso_url);
  return {
    device: pick(flags.device, c.device) ?? "",
    ...(configUrl ? { configUrl } : {}),
    ...(isoUrl ? { isoUrl } : {}),
    noFormat: pick(flags.noFormat, c.no_format) ?? false,
    firmware: forceEfi || facts.efiFirmware ? "efi" : "bios",
    firmwareReason: facts.efiFirmware ? "detected" : forceEfi ? "force_efi" : "not detected",
    // k3OS's `auto` means "detect": the same as not setting it.
    ...(tty && tty !== "auto" ? { tty } : {}),
    debug: pick(flags.debug, c.debug) ?? false,
    powerOff: pick(flags.powerOff, c.power_off) ?? false,
    silent: pick(flags.silent, c.silent) ?? false,
    source: flags.source ?? "/",
  };
}
