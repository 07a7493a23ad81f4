// write_files: files written in every phase, atomically, with their encoding, owner and mode.
// Paths must be absolute; they resolve inside the root (`..` and symlinks cannot leave it).
import { gunzipSync } from "node:zlib";
import type { WriteFile } from "../config/schema.ts";
import { resolveOwner } from "../system/users.ts";
import type { Applier } from "./context.ts";
import { forEachCollecting } from "./context.ts";

export function decodeContent(file: Pick<WriteFile, "content" | "encoding">): Buffer {
  const content = file.content ?? "";
  const base64 = (s: string) => {
    const clean = s.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new Error("content is not valid base64");
    return Buffer.from(clean, "base64");
  };
  const gunzip = (b: Buffer) => {
    try {
      return gunzipSync(b);
    } catch (e) {
      throw new Error(`content is not valid gzip data: ${(e as Error).message}`);
    }
  };
  switch (file.encoding ?? "") {
    case "":
      return Buffer.from(content, "utf8");
    case "b64":
    case "base64":
      return base64(content);
    case "gz":
    case "gzip":
      return gunzip(Buffer.from(content, "latin1"));
    default: // gz+b64 and its spellings: base64 of gzip
      return gunzip(base64(content));
  }
}

export function parsePermissions(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 0o644;
  const s = raw.trim().replace(/^0o/i, "");
  if (!/^[0-7]{1,4}$/.test(s)) throw new Error(`permissions "${raw}" is not an octal mode such as "0644"`);
  return Number.parseInt(s, 8);
}

export const applyWriteFiles: Applier = async (config, ctx) => {
  await forEachCollecting(config.write_files ?? [], async (file, i) => {
    const where = `write_files[${i}] (${file.path})`;
    try {
      if (!file.path.startsWith("/")) throw new Error("path must be absolute");
      const content = decodeContent(file);
      const mode = parsePermissions(file.permissions);
      const { uid, gid } = await resolveOwner(ctx.files, file.owner || "root:root");
      await ctx.files.write(file.path, content, { mode, uid, gid });
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  });
};
