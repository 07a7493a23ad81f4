// k3s join tokens beyond their format (layout/token-format.ts): the CA hash a token carries, made
// from the cluster CA and checked against the CA a joining node is shown. The CA hash lets a joining
// node check it talks to the right cluster before it sends its credentials.
import { createHash, X509Certificate } from "node:crypto";
import { parseToken, TOKEN_PREFIX, TokenFormatError, type ParsedToken } from "../layout/token-format.ts";

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
