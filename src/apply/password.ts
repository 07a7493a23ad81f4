// k3os.password: the `rancher` user's password in /etc/shadow. A crypt hash is kept as is; clear
// text is hashed with SHA-512 crypt. root is never given a password (it stays locked).
import { randomBytes } from "node:crypto";
import { encrypt } from "unixcrypt";
import type { Applier } from "./context.ts";

export const PASSWORD_USER = "rancher";
const HASH_RE = /^\$(1|5|6|y|2[abxy]?|7|gy)\$/;
const SALT_CHARS = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function isHashedPassword(value: string): boolean {
  return HASH_RE.test(value);
}

export function hashPassword(clear: string): string {
  const salt = [...randomBytes(16)].map((b) => SALT_CHARS[b % 64]).join("");
  return encrypt(clear, `$6$${salt}`);
}

/** /etc/shadow with the user's password field replaced; throws if the user has no entry. */
export function renderShadow(shadow: string, user: string, hash: string): string {
  let found = false;
  const out = shadow.split("\n").map((line) => {
    const fields = line.split(":");
    if (fields[0] !== user) return line;
    found = true;
    fields[1] = hash;
    return fields.join(":");
  });
  if (!found) throw new Error(`k3os.password: user "${user}" has no entry in /etc/shadow`);
  return out.join("\n");
}

export const applyPassword: Applier = async (config, ctx) => {
  const password = config.k3os?.password;
  if (!password) return;
  const hash = isHashedPassword(password) ? password : hashPassword(password);
  const shadow = await ctx.files.readText("/etc/shadow");
  if (shadow === null) throw new Error("k3os.password: /etc/shadow does not exist");
  await ctx.files.write("/etc/shadow", renderShadow(shadow, PASSWORD_USER, hash), { mode: 0o640, uid: 0, gid: await shadowGid(ctx) });
};

async function shadowGid(ctx: Parameters<Applier>[1]): Promise<number> {
  const groups = (await ctx.files.readText("/etc/group")) ?? "";
  const line = groups.split("\n").find((l) => l.startsWith("shadow:"));
  return line ? Number(line.split(":")[2]) : 0;
}
