// k3s join tokens. Secure form: K10<sha256 hex of the cluster CA>::<credentials>, credentials being
// `user:password` or a bootstrap token `abcdef.0123456789abcdef`. Short form: the credentials only
// (or a bare password, the shared secret of --token). The CA hash lets a joining node check it talks
// to the right cluster before it sends its credentials.
import { createHash, X509Certificate } from "node:crypto";

export const TOKEN_PREFIX = "K10";
const CA_HASH_LENGTH = 64;
const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export interface ParsedToken {
  /** Empty for a short token: the joining node then cannot check the server's CA. */
  caHash: string;
  username?: string;
  password?: string;
  bootstrap?: { id: string; secret: string };
}

export class TokenFormatError extends Error {
  override name = "TokenFormatError";
}

export function isBootstrapToken(text: string): boolean {
  return BOOTSTRAP_TOKEN.test(text);
}

/** Parses a secure or short token. A bare password becomes `<defaultUser>:password`. */
export function parseToken(token: string, defaultUser = "server"): ParsedToken {
  if (token === "") throw new TokenFormatError("token must not be empty");
  let caHash = "";
  let creds = token;
  if (token.startsWith(TOKEN_PREFIX)) {
    const rest = token.slice(TOKEN_PREFIX.length);
    const sep = rest.indexOf("::");
    // Without the separator the prefix would silently become part of a user name or password.
    if (sep < 0) throw new TokenFormatError("invalid token format: a K10 token is K10<CA hash>::<credentials>");
    caHash = rest.slice(0, sep);
    creds = rest.slice(sep + 2);
    if (caHash.length > 0 && caHash.length !== CA_HASH_LENGTH) {
      throw new TokenFormatError(`invalid token CA hash length: ${caHash.length}, expected ${CA_HASH_LENGTH} hex digits`);
    }
    if (!/^[0-9a-f]*$/.test(caHash)) throw new TokenFormatError("invalid token CA hash: expected lower-case hex");
  }
  const bts = creds.match(BOOTSTRAP_TOKEN);
  if (bts) return { caHash, bootstrap: { id: bts[1]!, secret: bts[2]! } };
  // As in k3s, a short token is the password as a whole, colons included.
  if (!token.startsWith(TOKEN_PREFIX)) return { caHash, username: defaultUser, password: creds };
  const colon = creds.indexOf(":");
  if (colon < 0 || colon === creds.length - 1) throw new TokenFormatError("invalid token format: expected user:password after '::'");
  return { caHash, username: creds.slice(0, colon), password: creds.slice(colon + 1) };
}

/**
 * The hash k3s puts in tokens: for a single self-signed CA the sha256 of the PEM file's bytes as
 * stored; for a bundle (custom CA chain) the sha256 of the DER of the bundle's root certificate.
 */
export function hashCaBundle(pem: string | Buffer): string {
  const text = pem.toString();
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TokenFormatError("CA bundle holds no certificate");
  if (blocks.length === 1) return createHash("sha256").update(pem).digest("hex");
  const certs = blocks.map((b) => new X509Certificate(b));
  // Walk issuers from the first certificate up to a self-signed one.
  let cur = certs[0]!;
  for (let i = 0; i < certs.length; i++) {
    if (cur.checkIssued(cur)) break;
    const issuer = certs.find((c) => c !== cur && cur.checkIssued(c) && cur.verify(c.publicKey));
    if (!issuer) break;
    cur = issuer;
  }
  return createHash("sha256").update(cur.raw).digest("hex");
}

/** `K10<hash>::<credentials>` for credentials `user:password` or a bootstrap token. */
export function formatToken(credentials: string, caBundle: string | Buffer): string {
  return `${TOKEN_PREFIX}${hashCaBundle(caBundle)}::${credentials}`;
}

/** Checks a server's CA bundle against the hash in a token; short tokens carry none to check. */
export function checkCaHash(token: ParsedToken, caBundle: string | Buffer): void {
  if (token.caHash === "") return;
  const actual = hashCaBundle(caBundle);
  if (actual !== token.caHash) {
    throw new TokenFormatError(`token CA hash does not match the Cluster CA certificate hash: ${token.caHash} != ${actual}`);
  }
}

/** The password part of a token for the passwd file (k3s keeps only the secret, not the hash). */
export function tokenSecret(token: string): string {
  const t = parseToken(token);
  if (t.bootstrap) throw new TokenFormatError("a bootstrap token cannot be used as the server token");
  return t.password!;
}
