// Runs the test tiers with node's test runner and prints one summary line per tier:
//   "unit: N passed, N failed". Test files are test/<tier>/**/*.test.ts, run through tsx.
// Plain JavaScript (no tsx needed to start it), so it parses its arguments itself, as
// builder/cli-args.ts does for the TypeScript entry points: --help exits 0, a usage error 2.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ALL_TIERS = ["unit", "tools", "namespaces", "vm"];
const USAGE = `usage: node scripts/test.mjs [${ALL_TIERS.join("|")}]...`;
const DETAILS = `  Runs the given tiers (default: every tier present), one summary line each.
  K3OS_VM_SET=full runs every VM case instead of the smoke set (test/vm/smoke.txt).`;

let requested;
try {
  const { values, positionals } = parseArgs({ strict: true, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  if (values.help) {
    console.log(`${USAGE}\n${DETAILS}`);
    process.exit(0);
  }
  const unknown = positionals.filter((t) => !ALL_TIERS.includes(t));
  if (unknown.length > 0) throw new Error(`no such test tier: ${unknown.join(" ")}`);
  requested = positionals;
} catch (e) {
  console.error(`test: ${e.message.replace(/\. To specify a positional argument starting with[\s\S]*$/, "")}\n${USAGE}`);
  process.exit(2);
}
const tiers = requested.length > 0 ? requested : ALL_TIERS.filter((t) => existsSync(join("test", t)));

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const summaries = [];
let failedTiers = 0;
for (const tier of tiers) {
  const dir = join("test", tier);
  if (!existsSync(dir)) {
    console.error(`no such test tier: ${tier} (${dir} does not exist)`);
    process.exit(2);
  }
  let files = findTests(dir);
  // CI runs the VM smoke set (test/vm/smoke.txt lists its case folders); K3OS_VM_SET=full runs all.
  if (tier === "vm" && process.env.K3OS_VM_SET !== "full" && existsSync(join(dir, "smoke.txt"))) {
    const smoke = readFileSync(join(dir, "smoke.txt"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    files = files.filter((f) => smoke.some((c) => f.startsWith(join(dir, c) + "/")));
  }
  const tmp = mkdtempSync(join(tmpdir(), "k3os-test-"));
  const tap = join(tmp, "report.tap");
  console.log(`\n=== tier ${tier}: ${files.length} files ===`);
  const started = Date.now();
  const res = spawnSync(
    process.execPath,
    [
      "--import", "tsx",
      "--test",
      // Tiers above unit touch real devices, namespaces and VMs: one file at a time.
      ...(tier === "unit" ? [] : ["--test-concurrency=1"]),
      "--test-reporter=spec", "--test-reporter-destination=stdout",
      "--test-reporter=tap", `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, K3OS_TEST_TIER: tier } },
  );
  const report = existsSync(tap) ? readFileSync(tap, "utf8") : "";
  rmSync(tmp, { recursive: true, force: true });
  const count = (key) => Number(report.match(new RegExp(`^# ${key} (\\d+)$`, "m"))?.[1] ?? 0);
  const passed = count("pass");
  const failed = count("fail") + count("cancelled");
  const skipped = count("skipped");
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (res.status !== 0 || failed > 0 || passed === 0) failedTiers++;
  console.log(`=== tier ${tier} took ${secs} s ===`);
  summaries.push(`${tier}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
}
console.log("\n=== summary ===");
for (const s of summaries) console.log(s);
process.exit(failedTiers > 0 ? 1 : 0);
