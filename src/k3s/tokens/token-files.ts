// The server's secrets on disk, as k3s keeps them: server/cred/passwd (the static token file the
// supervisor authenticates joins against), server/token (K10 secure form, for servers),
// server/agent-token (for agents; a link to token unless --agent-token is set) and the legacy
// server/node-token link.
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { basename } from "node:path";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import type { NodePaths } from "../layout/paths.ts";
import type { Settings } from "../cli/settings.ts";
import { parseToken } from "../layout/token-format.ts";
import { checkCaHash, formatToken, tokenSecret } from "./token.ts";

export interface PasswdEntry {
  password: string;
  user: string;
  uid: string;
  group: string;
}

/** Lines `password,user,uid,group`, the kube-apiserver static token file format k3s uses. */
export function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const [password = "", user = "", uid = user, group = ""] = l.split(",");
      return { password, user, uid, group: group.replace(/^"|"$/g, "") };
    });
}

export function renderPasswd(entries: PasswdEntry[]): string {
  return entries.map((e) => `${e.password},${e.user},${e.uid},${e.group}\n`).join("");
}

/** k3s's random secrets: 16 random bytes as hex. */
export function randomSecret(): string {
  return randomBytes(16).toString("hex");
}

export interface ServerTokens {
  /** `K10<hash>::server:<secret>` */
  serverToken: string;
  /** `K10<hash>::node:<secret>` when an agent token is set, else the server token. */
  agentToken: string;
}

function linkOrReplace(target: string, link: string): void {
  if (existsSync(link) || isLink(link)) rmSync(link, { force: true });
  symlinkSync(basename(target), link);
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Makes or checks the server's secrets. The token given with --token must match the one this data
 * dir was made with (as k3s refuses a changed token); with none given the stored one is kept, and
 * the first start makes a random one. Needs the server CA: tokens carry its hash.
 */
export function ensureServerTokens(
  s: Pick<Settings, "token" | "agentToken">,
  paths: NodePaths,
  makeSecret: () => string = randomSecret,
): ServerTokens {
  const caPem = readFileSync(paths.server.tls.serverCa.crt);
  const cred = paths.server.cred;
  const entries = existsSync(cred.passwd) ? parsePasswd(readFileSync(cred.passwd, "utf8")) : [];
  const stored = (user: string) => entries.find((e) => e.user === user)?.password;

  if (s.token) checkCaHash(parseToken(s.token), caPem);
  if (s.agentToken) checkCaHash(parseToken(s.agentToken, "node"), caPem);
  const given = s.token ? tokenSecret(s.token) : undefined;
  const storedServer = stored("server");
  if (given !== undefined && storedServer !== undefined && given !== storedServer) {
    throw new Error(
      `--token does not match the token this server was created with (${paths.server.token}); a cluster's token cannot be changed`,
    );
  }
  const serverPass = given ?? storedServer ?? makeSecret();
  const nodePass = s.agentToken ? parseToken(s.agentToken, "node").password! : serverPass;

  const next: PasswdEntry[] = [
    ...entries.filter((e) => e.user !== "server" && e.user !== "node"),
    { password: nodePass, user: "node", uid: "node", group: "k3s:agent" },
    { password: serverPass, user: "server", uid: "server", group: "k3s:server" },
  ];
  writeFileAtomicSync(cred.passwd, renderPasswd(next), { mode: 0o600 });

  const serverToken = formatToken(`server:${serverPass}`, caPem);
  writeFileAtomicSync(paths.server.token, `${serverToken}\n`, { mode: 0o600 });
  linkOrReplace(paths.server.token, paths.server.nodeToken);
  let agentToken = serverToken;
  if (s.agentToken) {
    if (isLink(paths.server.agentToken)) rmSync(paths.server.agentToken);
    agentToken = formatToken(`node:${nodePass}`, caPem);
    writeFileAtomicSync(paths.server.agentToken, `${agentToken}\n`, { mode: 0o600 });
  } else {
    linkOrReplace(paths.server.token, paths.server.agentToken);
  }
  return { serverToken, agentToken };
}
