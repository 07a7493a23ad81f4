// A config with tens of thousands of keys loads in linear-ish time: the YAML library's duplicate-key
// check and the line lookup of each problem were quadratic (40k keys took about 40 s).
import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeSources } from "../../../src/config/load.ts";
import { formatProblem } from "../../../src/config/problems.ts";
import { parseYamlSource } from "../../../src/config/sources.ts";

const KEYS = 40_000;
// Generous: the linear code takes a few hundred milliseconds, the quadratic one took 40-65 s.
const BOUND_MS = 3000;

/**
 * CPU time, not wall time: the unit tier runs its files in parallel on a shared 2-core machine,
 * where the wall time of the same work varies tenfold.
 */
function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(started);
  return { value, ms: (used.user + used.system) / 1000 };
}

test(`${KEYS} unknown top-level keys (each a warning with its line) load within ${BOUND_MS} ms`, () => {
  const text = Array.from({ length: KEYS }, (_, i) => `key${i}: v`).join("\n");
  const { value, ms } = timed(() => mergeSources([parseYamlSource("/big.yaml", text)]));
  assert.equal(value.problems.length, KEYS);
  assert.equal(formatProblem(value.problems[KEYS - 1] as never), `warning: /big.yaml:${KEYS}: key${KEYS - 1}: unknown key (ignored)`);
  assert.ok(ms < BOUND_MS, `took ${Math.round(ms)} ms of CPU`);
});

test(`${KEYS} labels load within ${BOUND_MS} ms, and a duplicate key is still an error with its line`, () => {
  const labels = Array.from({ length: KEYS }, (_, i) => `    key${i}: v`);
  const { value, ms } = timed(() => mergeSources([parseYamlSource("/big.yaml", `k3os:\n  labels:\n${labels.join("\n")}\n    key7: again\n`)]));
  assert.ok(ms < BOUND_MS, `took ${Math.round(ms)} ms of CPU`);
  assert.deepEqual(value.problems.map(formatProblem), [`/big.yaml:${KEYS + 3}: invalid YAML: Map keys must be unique`]);
});
