// Users and groups of the node, read from its /etc/passwd and /etc/group (under --root).
import type { NodeFiles } from "./files.ts";

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function parseColonFile(text: string | null): string[][] {
  return (text ?? "").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
}

export async function readAccounts(files: NodeFiles): Promise<Account[]> {
  return parseColonFile(await files.readText("/etc/passwd")).map((f) => ({
    name: f[0] ?? "",
    uid: Number(f[2]),
    gid: Number(f[3]),
    home: f[5] ?? "/",
  }));
}

export async function readGroups(files: NodeFiles): Promise<Map<string, number>> {
  return new Map(parseColonFile(await files.readText("/etc/group")).map((f) => [f[0] ?? "", Number(f[2])]));
}

/** Resolves `user`, `user:group`, `uid:gid` (or `user.group`) to numbers; throws naming the unknown part. */
export async function resolveOwner(files: NodeFiles, owner: string): Promise<{ uid: number; gid: number }> {
  const [user = "", group] = owner.includes(":") ? owner.split(":", 2) : owner.split(".", 2);
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const account = (await readAccounts(files)).find((a) => a.name === user);
    if (!account) throw new Error(`unknown user "${user}" (not in /etc/passwd)`);
    uid = account.uid;
    gid = account.gid;
  }
  if (group !== undefined && group !== "") {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const g = (await readGroups(files)).get(group);
      if (g === undefined) throw new Error(`unknown group "${group}" (not in /etc/group)`);
      gid = g;
    }
  }
  return { uid, gid: gid ?? uid };
}
