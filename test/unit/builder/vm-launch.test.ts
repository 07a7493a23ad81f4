// What both QEMU launchers do before spawning QEMU (builder/vm/launch.ts).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { test } from "node:test";
import { prepareQemu } from "../../../builder/vm/launch.ts";
import { OVMF_VARS } from "../../../builder/vm/qemu-args.ts";

const probeWith = { kernel: "/nonexistent/vmlinuz", initrd: "/nonexistent/initrd" };

test("a missing file to boot is refused before anything is made, naming the build command", async () => {
  await assert.rejects(
    prepareQemu({ files: [undefined, "/nonexistent/k3os-amd64.iso"], accel: "tcg", probeWith, efi: false, tmpPrefix: "k3os-launch-" }),
    /\/nonexistent\/k3os-amd64\.iso does not exist: build the image first \(npm run image\)/,
  );
});

test("an explicit accelerator and SSH port are kept; EFI gets the VM's own copy of the variables", { skip: existsSync(OVMF_VARS) ? false : `no ${OVMF_VARS} (apt-get install ovmf)` }, async () => {
  const p = await prepareQemu({ files: [OVMF_VARS], accel: "tcg", probeWith, efi: true, sshPort: 2299, tmpPrefix: "k3os-launch-" });
  try {
    assert.equal(p.accel, "tcg");
    assert.equal(p.sshPort, 2299);
    assert.ok(p.efiVars?.startsWith(p.tmp), p.efiVars);
    assert.deepEqual(await readFile(p.efiVars!), await readFile(OVMF_VARS));
  } finally {
    await rm(p.tmp, { recursive: true, force: true });
  }
});
