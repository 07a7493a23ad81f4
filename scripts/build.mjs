// Bundles the node agent into one executable file: bin/k3os (copied to /usr/sbin/k3os in the image).
import { build } from "esbuild";
import { chmod, mkdir, readFile } from "node:fs/promises";

const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
const version = process.env.K3OS_VERSION ?? `v${pkg.version}`;
await mkdir("bin", { recursive: true });
await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "bin/k3os",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  banner: {
    // ESM bundles of CommonJS dependencies need require(); node gives it to us through createRequire.
    js: "#!/usr/bin/env node\nimport { createRequire as __k3osRequire } from 'node:module';\nconst require = __k3osRequire(import.meta.url);",
  },
  define: { K3OS_VERSION: JSON.stringify(version) },
  logLevel: "warning",
});
await chmod("bin/k3os", 0o755);
console.log(`built bin/k3os (${version})`);
