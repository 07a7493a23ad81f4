// Entry point of the bundled agent. One file serves two commands: `k3os` and, when invoked
// through a `k3s` symlink (or as `k3os k3s ...`), the k3s-compatible runtime.
import { basename } from "node:path";

async function main(argv: string[]): Promise<number> {
  const invokedAs = basename(argv[1] ?? "k3os");
  if (invokedAs === "k3s") {
    const { k3sMain } = await import("../k3s/cli.ts");
    return k3sMain(argv.slice(2));
  }
  const { k3osMain } = await import("./k3os.ts");
  return k3osMain(argv.slice(2));
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`k3os: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
