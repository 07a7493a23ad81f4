// Stage 1: the Debian base tree from mmdebstrap, cached by the package list and the mmdebstrap argv.
// Everything k3os-specific happens in later stages on a copy, so changing an overlay file or the
// agent never re-downloads Debian.
import { join } from "node:path";
import { cachedStage, KeyBuilder } from "../cache.ts";
import { listPackages, renderMmdebstrapArgv } from "../distro/debian.ts";
import { step, type BuildContext } from "../context.ts";

export async function buildBaseTree(ctx: BuildContext): Promise<string> {
  const packages = listPackages();
  const probe = renderMmdebstrapArgv({ target: "TARGET", packages });
  // Not keyed by the epoch: a new commit must not re-download Debian. Later stages clamp every
  // timestamp to the build's epoch, so the base's own dates never reach an artifact.
  const key = new KeyBuilder().addString("argv", probe.join("\n")).digest();
  const { dir, hit } = await cachedStage(ctx.cache, "base", key, (tmp) =>
    step(ctx, `mmdebstrap ${packages.length} packages (cold: several minutes)`, async () => {
      const argv = renderMmdebstrapArgv({ target: tmp, packages });
      await ctx.runner.run(argv, { env: { SOURCE_DATE_EPOCH: String(ctx.epoch) } });
    }),
  );
  ctx.log.info(`base tree ${hit ? "cached" : "built"}: ${dir}`);
  return join(dir);
}
