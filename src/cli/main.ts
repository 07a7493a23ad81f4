// Entry point when run from source (`tsx src/cli/main.ts`). One program serves two commands: `k3os`
// and, when invoked through a `k3s` symlink, the k3s-compatible runtime. The built agent starts
// through launcher.ts instead, which loads the same two modules from code-cached bundles.
import { chooseCommand, settleExit } from "./dispatch.ts";

async function main(argv: string[]): Promise<number> {
  if (chooseCommand(argv[1]) === "k3s") {
    const { k3sMain } = await import("../k3s/cli.ts");
    return k3sMain(argv.slice(2));
  }
  const { k3osMain } = await import("./k3os.ts");
  return k3osMain(argv.slice(2));
}

settleExit(main(process.argv));
