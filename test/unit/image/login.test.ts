// What a user meets on the console (the seed's first steps: "log in with the user rancher and run
// kubectl"): a login screen that names k3os, its version, the node's addresses and the user, and
// a PATH with k3os on it. VM case 005 checks them on a booted node.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const etc = join(import.meta.dirname, "../../../image/rootfs/etc");

test("/etc/issue names the OS and version (os-release), the node's addresses and the user to log in as", () => {
  const issue = readFileSync(join(etc, "issue"), "utf8");
  // agetty's escapes: os-release's PRETTY_NAME ("k3os vX"), the addresses, redrawn as they change
  for (const escape of ["\\S{PRETTY_NAME}", "\\4", "\\6"]) assert.ok(issue.includes(escape), escape);
  assert.match(issue, /\brancher\b/);
  assert.doesNotMatch(issue, /Debian/);
});

test("the motd is k3os's, not Debian's legal text", () => {
  const motd = readFileSync(join(etc, "motd"), "utf8");
  assert.match(motd, /k3os/);
  assert.doesNotMatch(motd, /Debian|ABSOLUTELY NO WARRANTY/);
});

test("a login shell's PATH has /usr/sbin (k3os, k3s) once, whatever PATH it starts from", () => {
  const profile = join(etc, "profile.d/k3os-path.sh");
  for (const [start, want] of [
    ["/usr/local/bin:/usr/bin:/bin:/usr/games", "/usr/local/bin:/usr/bin:/bin:/usr/games:/usr/local/sbin:/usr/sbin"],
    ["/usr/sbin:/usr/bin", "/usr/sbin:/usr/bin"],
  ]) {
    const out = execFileSync("/bin/sh", ["-c", `PATH='${start}'; . '${profile}'; . '${profile}'; printf %s "$PATH"`]).toString();
    assert.equal(out, want);
  }
});
