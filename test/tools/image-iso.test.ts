// grub-mkrescue with the builder's options on a small tree: a hybrid BIOS/EFI ISO labelled K3OS
// whose grub.cfg is the rendered menu (the seed's remastering recipe edits exactly that file).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, readFile, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { makeIso } from "../../builder/output/iso.ts";
import { renderGrubConfig } from "../../builder/iso/grub-config.ts";

test("the ISO is labelled K3OS, boots BIOS (El Torito) and EFI, and carries /k3os and grub.cfg", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-iso-"));
  const root = join(dir, "iso");
  await mkdir(join(root, "boot/grub"), { recursive: true });
  await mkdir(join(root, "k3os/system/kernel/6.0"), { recursive: true });
  await writeFile(join(root, "k3os/system/kernel/6.0/vmlinuz"), "not a kernel");
  await writeFile(join(root, "boot/grub/grub.cfg"), renderGrubConfig({ kernelDir: "/k3os/system/kernel/6.0" }));
  const iso = join(dir, "k3os.iso");
  await makeIso(new ProcessRunner(), root, iso, 1700000000);
  const pvd = execFileSync("xorriso", ["-indev", iso, "-pvd_info"], { stdio: ["ignore", "pipe", "ignore"] }).toString();
  assert.match(pvd, /Volume Id\s*:\s*K3OS/);
  const boot = execFileSync("xorriso", ["-indev", iso, "-report_el_torito", "plain"], { stdio: ["ignore", "pipe", "ignore"] }).toString();
  assert.match(boot, /BIOS/);
  assert.match(boot, /UEFI/);
  execFileSync("xorriso", ["-indev", iso, "-osirrox", "on", "-extract", "/boot/grub/grub.cfg", join(dir, "grub.cfg")], { stdio: "ignore" });
  assert.match(await readFile(join(dir, "grub.cfg"), "utf8"), /menuentry "k3os live"/);
});
