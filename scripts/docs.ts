// Regenerates the README's configuration reference from the schema: `npm run docs`.
import { readFile } from "node:fs/promises";
import { parseNoArguments, runMain } from "../builder/cli-args.ts";
import { updateReadmeReference } from "../src/config/reference.ts";
import { writeFileAtomic } from "../src/system/atomic-write.ts";

runMain(
  { name: "docs", usage: "usage: tsx scripts/docs.ts", details: "  Rewrites the part of README.md between its configuration-reference markers from the config schema." },
  async (args) => {
    parseNoArguments(args);
    const readme = await readFile("README.md", "utf8");
    const updated = updateReadmeReference(readme);
    if (updated !== readme) await writeFileAtomic("README.md", updated);
    console.log(updated === readme ? "README.md: configuration reference up to date" : "README.md: configuration reference regenerated");
  },
);
