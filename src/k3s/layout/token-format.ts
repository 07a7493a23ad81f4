// k3s's join token format, the one parser: K10<sha256 hex of the cluster CA>::<credentials>,
// credentials being `user:password` or a bootstrap token `abcdef.0123456789abcdef`; or the short
// form, the credentials only (a bare password, the shared secret of --token). Part of k3s's contract
// that the OS shares: the config engine checks k3os.token with it before k3s ever runs.
// Dependency-free, as all of layout/.

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
