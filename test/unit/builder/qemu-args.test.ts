import { test } from "node:test";
import assert from "node:assert/strict";
import { renderNetdev, renderQemuArgv, type VmOptions } from "../../../builder/vm/qemu-args.ts";
import { parseRunArgs } from "../../../builder/vm/options.ts";

const base: VmOptions = { accel: "tcg", memoryMb: 1024, cpus: 2, iso: "/a.iso", disks: [], openNetwork: false, serial: "stdio", headless: true };
const value = (argv: string[], flag: string) => argv.filter((_, i) => argv[i - 1] === flag);

test("user networking is restricted by default and forwards SSH from the chosen local port", () => {
  assert.equal(renderNetdev({ openNetwork: false, sshPort: 2222 }), "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22");
  assert.equal(renderNetdev({ openNetwork: true }), "user,id=net0");
  assert.equal(
    renderNetdev({ openNetwork: false, guestfwd: ["tcp:10.0.2.100:80-cmd:relay a,b"] }),
    "user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:relay a,,b",
  );
});

test("a disk boots alone (its own bootloader); more CD-ROMs follow the ISO on the IDE bus", () => {
  const disk = renderQemuArgv({ ...base, iso: undefined, disks: ["/d.raw"] });
  assert.deepEqual(value(disk, "-drive"), ["file=/d.raw,format=raw,if=virtio,index=0"]);
  assert.deepEqual(value(disk, "-kernel"), []);
  const two = renderQemuArgv({ ...base, cdroms: ["/seed.iso"] });
  assert.deepEqual(value(two, "-drive").filter((d) => d.includes("media=cdrom")), [
    "file=/a.iso,media=cdrom,readonly=on,if=ide,index=2",
    "file=/seed.iso,media=cdrom,readonly=on,if=ide,index=3",
  ]);
});

test("every VM gets virtio-rng, the accelerator asked for, and the ISO as a CD-ROM", () => {
  const argv = renderQemuArgv({ ...base, sshPort: 2222 });
  assert.ok(value(argv, "-device").includes("virtio-rng-pci"));
  assert.deepEqual(value(argv, "-accel"), ["tcg"]);
  assert.ok(value(argv, "-drive").some((d) => d.startsWith("file=/a.iso,media=cdrom")));
  assert.ok(value(argv, "-netdev")[0]?.includes("restrict=on"));
});

test("EFI boots use OVMF code read-only and a writable copy of the variables", () => {
  const argv = renderQemuArgv({ ...base, efiVars: "/tmp/vars.fd" });
  const pflash = value(argv, "-drive").filter((d) => d.startsWith("if=pflash"));
  assert.equal(pflash.length, 2);
  assert.match(pflash[0] ?? "", /readonly=on,file=\/usr\/share\/OVMF\/OVMF_CODE_4M\.fd/);
  assert.match(pflash[1] ?? "", /file=\/tmp\/vars\.fd$/);
});

test("a direct kernel boot passes kernel, initrd and cmdline; disks are virtio with their format", () => {
  const argv = renderQemuArgv({ ...base, kernel: "/k", initrd: "/i", append: "quiet", disks: ["/d.qcow2", "/e.img"] });
  assert.deepEqual([value(argv, "-kernel"), value(argv, "-initrd"), value(argv, "-append")], [["/k"], ["/i"], ["quiet"]]);
  const disks = value(argv, "-drive").filter((d) => d.includes("if=virtio"));
  assert.deepEqual(disks, ["file=/d.qcow2,format=qcow2,if=virtio,index=0", "file=/e.img,format=raw,if=virtio,index=1"]);
});

test("nonsense combinations are refused with a reason", () => {
  assert.throws(() => renderQemuArgv({ ...base, iso: undefined }), /nothing to boot/);
  assert.throws(() => renderQemuArgv({ ...base, kernel: "/k" }), /needs its initrd/);
  assert.throws(() => parseRunArgs(["--append", "x"], "/art"), /--append needs --kernel/);
  assert.throws(() => parseRunArgs(["--memory", "lots"], "/art"), /positive whole number/);
  assert.throws(() => parseRunArgs(["--tcg", "--kvm"], "/art"), /exclude/);
});

test("run options default to the built ISO, 2 GB, automatic accelerator and a closed network", () => {
  const r = parseRunArgs([], "/art");
  assert.equal(r.iso, "/art/k3os-amd64.iso");
  assert.equal(r.memoryMb, 2048);
  assert.equal(r.accel, "auto");
  assert.equal(r.openNetwork, false);
  const k = parseRunArgs(["--kernel", "/k", "--append", "debug", "--disk", "/a", "--disk", "/b", "--open-network"], "/art");
  assert.equal(k.initrd, "/art/k3os-initrd-amd64");
  assert.equal(k.iso, "/art/k3os-amd64.iso", "the live medium stays attached");
  assert.deepEqual(k.disks, ["/a", "/b"]);
  assert.equal(k.openNetwork, true);
});
