// The node's images as ONE docker archive: containerd imports a multi-image archive in one `ctr
// images import`, and each ctr start is a start of the whole multi-call binary (every package's
// init: seconds under TCG). A docker archive is content-addressed files plus manifest.json (one
// entry per image) and repositories, so merging is extracting into one directory and joining those two.
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Runner } from "../../src/exec/runner.ts";

interface DockerManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

export async function mergeDockerArchives(o: { runner: Runner; archives: readonly string[]; work: string; out: string; epoch: number }): Promise<void> {
  const dir = join(o.work, "merged");
  await rm(o.work, { recursive: true, force: true });
  const manifest: DockerManifestEntry[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const [i, archive] of o.archives.entries()) {
    const one = join(o.work, String(i));
    await mkdir(one, { recursive: true });
    await o.runner.run(["tar", "-xf", archive, "-C", one]);
    const entries = JSON.parse(await readFile(join(one, "manifest.json"), "utf8")) as DockerManifestEntry[];
    if (!Array.isArray(entries) || entries.length === 0) throw new Error(`${archive}: manifest.json lists no image: not a docker archive`);
    manifest.push(...entries);
    try {
      const repos = JSON.parse(await readFile(join(one, "repositories"), "utf8")) as Record<string, Record<string, string>>;
      for (const [repo, tags] of Object.entries(repos)) repositories[repo] = { ...repositories[repo], ...tags };
    } catch {
      // `repositories` is optional in the format (legacy docker load only)
    }
    await rm(join(one, "manifest.json"));
    await rm(join(one, "repositories"), { force: true });
    await mkdir(dir, { recursive: true });
    // content-addressed names: the same blob in two archives is the same file
    await o.runner.run(["cp", "-a", "--no-preserve=ownership", `${one}/.`, `${dir}/`]);
    await rm(one, { recursive: true, force: true });
  }
  const tags = manifest.flatMap((m) => m.RepoTags);
  const dup = tags.find((t, i) => tags.indexOf(t) !== i);
  if (dup) throw new Error(`image ${dup} is in two of: ${o.archives.join(", ")}`);
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await writeFile(join(dir, "repositories"), JSON.stringify(repositories));
  const names = (await readdir(dir)).sort();
  await o.runner.run(
    ["tar", "--sort=name", `--mtime=@${o.epoch}`, "--owner=0", "--group=0", "--numeric-owner", "--mode=go-w", "-cf", o.out, ...names],
    { cwd: dir },
  );
  await rm(o.work, { recursive: true, force: true });
}
