// /etc/environment goes through the project's one shell quoting (src/system/shell.ts).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { applyEnvironment } from "../../../src/apply/environment.ts";
import { makeContext, makeRoot } from "../../helpers/temp-root.ts";

const ENV = { PLAIN: "http://proxy:3128", SPACED: "a b", QUOTES: `it's "x"`, DOLLAR: "$HOME`id`\\n", NEWLINE: "one\ntwo" };

test("/etc/environment: plain values bare, the others quoted so sh reads back every value unchanged", async () => {
  const root = await makeRoot();
  const { ctx } = makeContext(root);
  await applyEnvironment({ k3os: { environment: ENV } }, ctx);
  const text = await readFile(`${root}/etc/environment`, "utf8");
  assert.match(text, /^PLAIN=http:\/\/proxy:3128$/m);
  assert.match(text, /^SPACED='a b'$/m);
  const names = Object.keys(ENV);
  const out = execFileSync("sh", ["-c", `set -a; . "$1"; for n in ${names.join(" ")}; do eval "printf '%s\\0' \\"\\$$n\\""; done`, "sh", `${root}/etc/environment`]);
  assert.deepEqual(out.toString().split("\0").slice(0, -1), Object.values(ENV));
});

test("an invalid variable name is refused with its YAML path", async () => {
  const { ctx } = makeContext(await makeRoot());
  await assert.rejects(applyEnvironment({ k3os: { environment: { "A-B": "x" } } }, ctx), /k3os\.environment\.A-B: invalid variable name "A-B"/);
});
