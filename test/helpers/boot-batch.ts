// Child process of the hostile-tree property test: runs the real `k3os config --boot --root DIR`
// command line (k3osMain, what bin/k3os calls) for each root given, one after the other, and prints
// one JSON line per run: { root, code, ms }. The parent runs it under a memory limit (prlimit --as).
import { k3osMain } from "../../src/cli/k3os.ts";

const quiet = { out: () => {}, err: () => {} };
for (const root of process.argv.slice(2)) {
  const started = performance.now();
  let code: number | string;
  try {
    code = await k3osMain(["config", "--boot", "--root", root], quiet);
  } catch (e) {
    code = `threw: ${(e as Error).message}`;
  }
  process.stdout.write(`${JSON.stringify({ root, code, ms: Math.round(performance.now() - started) })}\n`);
}
