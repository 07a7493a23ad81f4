// Entry point of the bundled agent.
async function main(argv: string[]): Promise<number> {
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
