// Builds the node agent (docs/agent-startup.md):
//   bin/k3os             the launcher (ESM, a few KB); bin/k3s -> k3os
//   bin/k3os.d/k3os.cjs  the `k3os` command (config engine, CLI), with k3os.cjs.cache
//   bin/k3os.d/k3s.cjs   the k3s runtime, with k3s.cjs.cache
// Two bundles so that `k3os config` (three cold starts per boot) never parses the k3s runtime; the
// .cache files are V8 code caches written by training runs of the built agent, so a start under
// QEMU TCG deserializes compiled code instead of compiling ~400 KB of JavaScript.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const repo = fileURLToPath(new URL("..", import.meta.url));

// zod's `z` namespace carries all its ~50 locales (260 KB minified), parsed at every start; the agent
// only uses English, the locale zod sets by itself. Resolve zod's locale index to English alone.
const zodOnlyEnglish = {
  name: "zod-only-english",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) =>
      /[/\\]node_modules[/\\]zod[/\\]/.test(a.importer) ? { path: "zod-english-locales", namespace: "k3os" } : undefined,
    );
    b.onLoad({ filter: /^zod-english-locales$/, namespace: "k3os" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: repo,
      loader: "js",
    }));
  },
};

// src/k3s/deploy/manifest-files.ts reads manifests/*.yaml beside itself, which the bundle does not
// have: in the bundle that module is replaced by the files' text, read here at build time.
const manifestsDir = join(repo, "src/k3s/deploy/manifests");
export const inlineManifests = {
  name: "inline-manifests",
  setup(b) {
    b.onLoad({ filter: /[/\\]src[/\\]k3s[/\\]deploy[/\\]manifest-files\.ts$/ }, async () => {
      const names = (await readdir(manifestsDir)).filter((f) => f.endsWith(".yaml")).sort();
      const texts = {};
      for (const f of names) texts[f.slice(0, -".yaml".length)] = await readFile(join(manifestsDir, f), "utf8");
      return {
        contents:
          `const TEMPLATES = ${JSON.stringify(texts)};\n` +
          "export function readManifestTemplate(name) {\n" +
          "  if (!Object.hasOwn(TEMPLATES, name)) throw new Error(`manifest ${name}: not in the bundle`);\n" +
          "  return TEMPLATES[name];\n}\n",
        loader: "js",
        watchFiles: names.map((f) => join(manifestsDir, f)),
      };
    });
  },
};

const common = { bundle: true, platform: "node", target: "node20", minify: true, sourcemap: false, legalComments: "none", logLevel: "warning", absWorkingDir: repo };

// What the training runs do: every config phase dry-run on a small node root, then --dump, then the
// k3s runtime's --version. Each run loads the cache the previous one wrote and adds what it compiled.
const TRAINING_CONFIG = `ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3b3MtdHJhaW5pbmcta2V5LW5vdC11c2Vk k3os"]
write_files:
  - path: /etc/k3os-training
    content: "x"
    permissions: "0600"
hostname: trainer
init_cmd: ["true"]
boot_cmd: ["true"]
run_cmd: ["true"]
k3os:
  modules: [nf_conntrack]
  sysctls: { kernel.printk: "4 4 1 7" }
  dns_nameservers: [192.0.2.53]
  ntp_servers: [ntp.invalid]
  labels: { a: b }
  environment: { A: b }
  k3s_args: [server]
`;
const TRAINING_RUNS = [
  ["k3os", "config", "--initrd", "--dry-run"],
  ["k3os", "config", "--boot", "--dry-run"],
  ["k3os", "config", "--dry-run"],
  ["k3os", "config", "--dump"],
  ["k3s", "--version"],
];

/** The environment of a training run: the V8 flags must be the ones the agent starts with at boot. */
function trainingEnv(mode) {
  const env = { ...process.env, K3OS_CODE_CACHE: mode };
  delete env.NODE_OPTIONS;
  return env;
}

function runAgent(outDir, [name, ...args], root, mode) {
  const argv = args[0] === "config" ? [...args, "--root", root] : args;
  // --predictable (single-threaded, fixed seeds) makes the written cache the same bytes on every
  // build, for reproducible images; V8 leaves it out of the flag hash, so the cache still fits a
  // plain `node`. The node that runs the build is the one whose caches are checked below.
  const predictable = mode === "write" ? ["--predictable"] : [];
  const res = spawnSync(process.execPath, [...predictable, join(outDir, name), ...argv], { env: trainingEnv(mode), encoding: "utf8" });
  // A phase's steps may fail on a training root (exit 1); the command must have run, not crashed.
  if (res.error || res.signal || res.status === null || res.status > 1 || /^k3os: (?!code cache)/m.test(res.stderr)) {
    throw new Error(`training run \`${name} ${argv.join(" ")}\` failed (${res.error?.message ?? res.signal ?? res.status}):\n${res.stderr}`);
  }
  return res.stderr;
}

async function writeCaches(outDir) {
  const root = await mkdtemp(join(tmpdir(), "k3os-train-"));
  try {
    await mkdir(join(root, "k3os/system"), { recursive: true });
    await mkdir(join(root, "proc"), { recursive: true });
    await mkdir(join(root, "etc"), { recursive: true });
    await writeFile(join(root, "k3os/system/config.yaml"), TRAINING_CONFIG);
    await writeFile(join(root, "proc/cmdline"), "console=ttyS0 k3os.mode=live\n");
    await writeFile(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nrancher:x:1000:1000::/home/rancher:/bin/sh\n");
    await writeFile(join(root, "etc/group"), "root:x:0:\nrancher:x:1000:\n");
    for (const run of TRAINING_RUNS) runAgent(outDir, run, root, "write");
    // The build machine's node must take the caches it just wrote; anything else is a broken build.
    for (const run of [TRAINING_RUNS[3], TRAINING_RUNS[4]]) {
      const report = runAgent(outDir, run, root, "report");
      if (!/code cache used/.test(report)) throw new Error(`${run.join(" ")}: V8 did not take the code cache:\n${report}`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Builds the agent into outDir (default bin/); returns the bundles' esbuild metafile. */
export async function buildAgent({ outDir = join(repo, "bin"), version } = {}) {
  const pkg = JSON.parse(await readFile(join(repo, "package.json"), "utf8"));
  const define = { K3OS_VERSION: JSON.stringify(version ?? process.env.K3OS_VERSION ?? `v${pkg.version}`) };
  const chunks = join(outDir, "k3os.d");
  await rm(chunks, { recursive: true, force: true }); // a stale cache must never sit beside a new bundle
  await rm(join(outDir, "k3os"), { force: true });
  await mkdir(chunks, { recursive: true });
  await build({ ...common, entryPoints: [join(repo, "src/cli/launcher.ts")], outfile: join(outDir, "k3os"), format: "esm", define });
  await chmod(join(outDir, "k3os"), 0o755);
  const result = await build({
    ...common,
    entryPoints: { k3os: join(repo, "src/cli/k3os.ts"), k3s: join(repo, "src/k3s/cli.ts") },
    outdir: chunks,
    outExtension: { ".js": ".cjs" },
    format: "cjs",
    metafile: true,
    plugins: [zodOnlyEnglish, inlineManifests],
    define,
  });
  await rm(join(outDir, "k3s"), { force: true });
  await symlink("k3os", join(outDir, "k3s"));
  await writeCaches(outDir);
  return result.metafile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // Plain JavaScript (it builds what tsx would run), so it parses its arguments itself, as
  // builder/cli-args.ts does for the TypeScript entry points: --help exits 0, a usage error 2.
  const USAGE = "usage: node scripts/build.mjs   (npm run build)";
  try {
    const { values } = parseArgs({ strict: true, options: { help: { type: "boolean", short: "h" } } });
    if (values.help) {
      console.log(`${USAGE}\n  Builds the node agent: bin/k3os, bin/k3s, bin/k3os.d/ (bundles and their V8 code caches).`);
      process.exit(0);
    }
  } catch (e) {
    console.error(`build: ${e.message.replace(/\. To specify a positional argument starting with[\s\S]*$/, "")}\n${USAGE}`);
    process.exit(2);
  }
  const started = Date.now();
  await buildAgent();
  const sizes = [];
  for (const f of ["k3os", "k3os.d/k3os.cjs", "k3os.d/k3os.cjs.cache", "k3os.d/k3s.cjs", "k3os.d/k3s.cjs.cache"]) {
    sizes.push(`${f} ${Math.round((await stat(join(repo, "bin", f))).size / 1024)} KiB`);
  }
  console.log(`built bin/k3os in ${((Date.now() - started) / 1000).toFixed(1)} s: ${sizes.join(", ")}`);
}
