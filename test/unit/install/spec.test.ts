import assert from "node:assert/strict";
import { test } from "node:test";
import { parseInstallArgs, UsageError } from "../../../src/install/install-args.ts";
import { resolveFromRoot } from "../../../src/install/install-command.ts";
import { resolveInstallSpec } from "../../../src/install/spec.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

const noEfi = { efiFirmware: false };

test("the config's k3os.install section alone sets every field; the rest take their defaults", () => {
  const spec = resolveInstallSpec(
    { device: "/dev/vda", config_url: "http://x/c.yaml", tty: "ttyS1", debug: true, power_off: true, silent: true, no_format: true },
    {},
    noEfi,
  );
  assert.deepEqual(spec, {
    device: "/dev/vda",
    configUrl: "http://x/c.yaml",
    noFormat: true,
    firmware: "bios",
    firmwareReason: "not detected",
    tty: "ttyS1",
    debug: true,
    powerOff: true,
    silent: true,
    source: "/",
  });
});

test("flags override the config key by key, and a config without install keys gives an empty device", () => {
  const spec = resolveInstallSpec({ device: "/dev/vda", silent: true, tty: "ttyS0" }, { device: "/dev/sdb", tty: "tty1", source: "/media" }, noEfi);
  assert.equal(spec.device, "/dev/sdb");
  assert.equal(spec.tty, "tty1");
  assert.equal(spec.silent, true);
  assert.equal(spec.source, "/media");
  assert.equal(resolveInstallSpec(undefined, {}, noEfi).device, "");
});

test("EFI when the firmware is EFI or force_efi says so; tty auto means detect", () => {
  const table: [boolean, boolean | undefined, string, string][] = [
    [false, undefined, "bios", "not detected"],
    [true, undefined, "efi", "detected"],
    [false, true, "efi", "force_efi"],
    [true, true, "efi", "detected"],
  ];
  for (const [efiFirmware, force, firmware, reason] of table) {
    const spec = resolveInstallSpec(force === undefined ? {} : { force_efi: force }, {}, { efiFirmware });
    assert.deepEqual([spec.firmware, spec.firmwareReason], [firmware, reason], `${efiFirmware} ${force}`);
  }
  assert.equal(resolveInstallSpec({ tty: "auto" }, {}, noEfi).tty, undefined);
});

test("the k3os.install.* cmdline keys under --root reach the spec through the config engine; flags win", async () => {
  const root = await makeRoot({
    "/proc/cmdline": "console=ttyS0 k3os.mode=install k3os.install.device=/dev/vda k3os.install.silent k3os.install.efi k3os.install.power_off=true k3os.install.config_url=http://10.0.2.100/config.yaml",
    "/k3os/system/config.yaml": "k3os:\n  install:\n    tty: ttyS1\n    device: /dev/sda\n",
  });
  const { spec, problems } = await resolveFromRoot(parseInstallArgs(["--root", root, "--debug"]));
  assert.deepEqual(problems, []);
  assert.ok(spec);
  assert.equal(spec.device, "/dev/vda"); // cmdline over /k3os/system/config.yaml
  assert.equal(spec.silent, true);
  assert.equal(spec.firmware, "efi"); // `efi` is the force_efi alias
  assert.equal(spec.firmwareReason, "force_efi");
  assert.equal(spec.powerOff, true);
  assert.equal(spec.configUrl, "http://10.0.2.100/config.yaml");
  assert.equal(spec.tty, "ttyS1");
  assert.equal(spec.debug, true);
  assert.equal(spec.source, root);

  const flagged = await resolveFromRoot(parseInstallArgs(["--root", root, "--device", "/dev/sdc", "--source", "/srv/medium"]));
  assert.equal(flagged.spec?.device, "/dev/sdc");
  assert.equal(flagged.spec?.source, "/srv/medium");
});

test("EFI is detected from /sys/firmware/efi under the root", async () => {
  const root = await makeRoot({ "/sys/firmware/efi/fw_platform_size": "64\n" });
  const { spec } = await resolveFromRoot(parseInstallArgs(["--root", root, "--device", "/dev/vda"]));
  assert.equal(spec?.firmware, "efi");
  assert.equal(spec?.firmwareReason, "detected");
});

test("a config error in any source refuses the install: its install keys would silently not count", async () => {
  const root = await makeRoot({ "/proc/cmdline": "k3os.install.power_off=perhaps k3os.install.device=/dev/vda" });
  const { spec, problems } = await resolveFromRoot(parseInstallArgs(["--root", root]));
  assert.equal(spec, undefined);
  assert.deepEqual(problems, ['config: cmdline: k3os.install.power_off: expected true or false, got a string (from "k3os.install.power_off=perhaps")']);
});

test("every flag parses; unknown flags, stray words and empty values are usage errors", () => {
  const a = parseInstallArgs([
    "--device", "/dev/vda", "--config-url", "file:///c.yaml", "--iso-url", "http://x/k.iso", "--no-format", "--force-efi",
    "--tty", "ttyS0", "--debug", "--power-off", "--silent", "--yes", "--dry-run", "--root", "/r", "--source", "/s",
  ]);
  assert.deepEqual(a, {
    flags: {
      device: "/dev/vda", configUrl: "file:///c.yaml", isoUrl: "http://x/k.iso", noFormat: true, forceEfi: true,
      tty: "ttyS0", debug: true, powerOff: true, silent: true, source: "/s",
    },
    yes: true,
    dryRun: true,
    root: "/r",
    help: false,
  });
  assert.equal(parseInstallArgs(["-h"]).help, true);
  for (const bad of [["--bogus"], ["/dev/vda"], ["--device"], ["--device", ""], ["--yes=no"]]) {
    assert.throws(() => parseInstallArgs(bad), UsageError, bad.join(" "));
  }
});
