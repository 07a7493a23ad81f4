import { test } from "node:test";
import assert from "node:assert/strict";
import { moduleName, parseModulesBuiltin, parseModulesDep, resolveLoadOrder } from "../../../builder/kernel/modules.ts";

const DEP = `kernel/drivers/scsi/sr_mod.ko.xz: kernel/drivers/cdrom/cdrom.ko.xz kernel/drivers/scsi/scsi_mod.ko.xz
kernel/drivers/cdrom/cdrom.ko.xz:
kernel/drivers/scsi/scsi_mod.ko.xz: kernel/drivers/scsi/scsi_common.ko.xz
kernel/drivers/scsi/scsi_common.ko.xz:
kernel/fs/isofs/isofs.ko.xz:
kernel/drivers/usb/storage/usb-storage.ko.xz: kernel/drivers/scsi/scsi_mod.ko.xz kernel/drivers/scsi/scsi_common.ko.xz
`;

test("module names drop the directory and compression suffix and use underscores", () => {
  for (const [path, name] of [
    ["kernel/fs/isofs/isofs.ko.xz", "isofs"],
    ["kernel/drivers/usb/storage/usb-storage.ko", "usb_storage"],
    ["kernel/x/y-z.ko.zst", "y_z"],
  ]) assert.equal(moduleName(path as string), name);
});

test("modules.dep gives each module its path and its direct dependencies", () => {
  const idx = parseModulesDep(DEP);
  assert.equal(idx.path.get("sr_mod"), "kernel/drivers/scsi/sr_mod.ko.xz");
  assert.deepEqual(idx.deps.get("sr_mod"), ["cdrom", "scsi_mod"]);
  assert.deepEqual(idx.deps.get("cdrom"), []);
});

test("the load order puts every dependency before its user and lists each module once", () => {
  const order = resolveLoadOrder(["sr_mod", "usb-storage", "isofs"], parseModulesDep(DEP), new Set());
  assert.deepEqual(order, ["cdrom", "scsi_common", "scsi_mod", "sr_mod", "usb_storage", "isofs"]);
});

test("a wanted module built into the kernel is skipped", () => {
  const builtin = parseModulesBuiltin("kernel/fs/squashfs/squashfs.ko\n");
  assert.deepEqual(resolveLoadOrder(["squashfs", "isofs"], parseModulesDep(DEP), builtin), ["isofs"]);
});

test("a wanted module that is neither a module nor built in is an error naming it", () => {
  assert.throws(() => resolveLoadOrder(["ata_piix"], parseModulesDep(DEP), new Set()), /ata_piix is neither/);
});

test("a dependency cycle is reported instead of looping", () => {
  const idx = parseModulesDep("kernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/a.ko\n");
  assert.throws(() => resolveLoadOrder(["a"], idx, new Set()), /cycle: a -> b -> a/);
});
