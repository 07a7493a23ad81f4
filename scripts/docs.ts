// Regenerates the README's configuration reference from the schema: `npm run docs`.
import { readFile, writeFile } from "node:fs/promises";
import { updateReadmeReference } from "../src/config/reference.ts";

const readme = await readFile("README.md", "utf8");
const updated = updateReadmeReference(readme);
if (updated !== readme) await writeFile("README.md", updated);
console.log(updated === readme ? "README.md: configuration reference up to date" : "README.md: configuration reference regenerated");
