#!/usr/bin/env node
// bin/k3os, /usr/sbin/k3os in the image (a link to /usr/lib/k3os/agent/k3os): loads the bundle of
// the command it was invoked as from k3os.d/ beside its real path, with that bundle's code cache.
// Splitting matters as much as the cache: `k3os config` never reads the k3s runtime's bundle.
// K3OS_CODE_CACHE=report prints whether V8 took the cache; =write writes it at exit (the build's
// training run). The variable is removed at once so commands the agent starts do not inherit it.
import { fileURLToPath } from "node:url";
import { chooseCommand, settleExit } from "./dispatch.ts";
import { cacheFileOf, loadBundle } from "./load-bundle.ts";

type Main = (args: string[]) => Promise<number>;

const command = chooseCommand(process.argv[1]);
// Node resolves the links of the main script: import.meta.url is the launcher's real path.
const file = fileURLToPath(new URL(`k3os.d/${command}.cjs`, import.meta.url));
const cacheMode = process.env.K3OS_CODE_CACHE;
delete process.env.K3OS_CODE_CACHE;
const bundle = loadBundle(file);
if (cacheMode === "report") process.stderr.write(`k3os: code cache ${bundle.cache}: ${cacheFileOf(file)}\n`);
if (cacheMode === "write") process.once("exit", () => bundle.writeCache());
const main = bundle.exports[command === "k3s" ? "k3sMain" : "k3osMain"] as Main;
settleExit(main(process.argv.slice(2)));
