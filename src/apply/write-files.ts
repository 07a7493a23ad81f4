// write_files: files written in every phase, atomically, with their encoding, owner and mode.
// Checks, defaults and decoding are the resolve step's (config/resolve.ts); this applier only looks
// the owner up on the node and writes. Paths resolve inside the root (`..` and symlinks cannot leave it).
import { resolveWriteFile } from "../config/resolve.ts";
import { resolveOwner } from "../system/users.ts";
import type { Applier } from "./context.ts";
import { forEachCollecting } from "./context.ts";

export const applyWriteFiles: Applier = async (config, ctx) => {
  await forEachCollecting(config.write_files ?? [], async (file, i) => {
    try {
      const entry = resolveWriteFile(file, i);
      const owner = await resolveOwner(ctx.files, entry.owner.group === undefined ? entry.owner.user : `${entry.owner.user}:${entry.owner.group}`);
      await ctx.files.write(entry.path, entry.content(), { mode: entry.mode, ...owner });
    } catch (e) {
      // Messages of the resolve step start with the YAML path; the others get it here.
      const message = (e as Error).message;
      throw new Error(`${file.path}: ${message.startsWith("write_files[") ? message : `write_files[${i}]: ${message}`}`);
    }
  });
};
