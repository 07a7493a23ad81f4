import { test } from "node:test";
import assert from "node:assert/strict";
import { renderGrubConfig } from "../../../builder/iso/grub-config.ts";

const cfg = renderGrubConfig({ kernelDir: "/k3os/system/kernel/6.12.1" });
const entries = cfg.split("menuentry ").slice(1);

test("the menu has a live, an install and a rescue entry, live first", () => {
  assert.deepEqual(entries.map((e) => e.split("\n")[0]), ['"k3os live" {', '"k3os install" {', '"k3os rescue shell" {']);
  assert.match(cfg, /set default=0/);
});

test("each entry finds the medium by its K3OS label and boots the versioned kernel and initrd", () => {
  for (const e of entries) {
    assert.match(e, /search --no-floppy --set=root --label K3OS/);
    assert.match(e, /linux \/k3os\/system\/kernel\/6\.12\.1\/vmlinuz /);
    assert.match(e, /initrd \/k3os\/system\/kernel\/6\.12\.1\/initrd/);
    assert.match(e, /console=ttyS0,115200/);
  }
  assert.match(entries[0] ?? "", /k3os\.mode=live/);
  assert.match(entries[1] ?? "", /k3os\.mode=install/);
  assert.match(entries[2] ?? "", / rescue /);
});

test("extra kernel arguments reach every entry", () => {
  const c = renderGrubConfig({ kernelDir: "/k", append: "k3os.password=x" });
  assert.equal(c.match(/k3os\.password=x/g)?.length, 3);
});

test("GRUB talks on the serial console too, for headless machines and tests", () => {
  assert.match(cfg, /serial --unit=0 --speed=115200/);
  assert.match(cfg, /terminal_output console serial/);
});
