import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { describe, it, before } from "node:test";
import { parseToken, TokenFormatError } from "../../../src/k3s/layout/token-format.ts";
import { checkCaHash, formatToken, hashCaBundle } from "../../../src/k3s/tokens/token.ts";
import { createCaCert, signCert } from "../../../src/k3s/pki/certs.ts";
import { generateEcKeyPem, importEcKey } from "../../../src/k3s/pki/keys.ts";

const HASH = "a".repeat(64);

describe("k3s tokens", () => {
  it("parses a secure server token into CA hash, user and password", () => {
    assert.deepEqual(parseToken(`K10${HASH}::server:s3cret`), { caHash: HASH, username: "server", password: "s3cret" });
  });

  it("parses a secure bootstrap token", () => {
    assert.deepEqual(parseToken(`K10${HASH}::abcdef.0123456789abcdef`), { caHash: HASH, bootstrap: { id: "abcdef", secret: "0123456789abcdef" } });
  });

  it("takes a short token as the password as a whole, with no CA hash", () => {
    assert.deepEqual(parseToken("my:secret", "node"), { caHash: "", username: "node", password: "my:secret" });
    assert.deepEqual(parseToken("abcdef.0123456789abcdef").bootstrap, { id: "abcdef", secret: "0123456789abcdef" });
  });

  it("refuses a CA hash of the wrong length and credentials without a password", () => {
    assert.throws(() => parseToken("K10abc::server:x"), /CA hash length/);
    assert.throws(() => parseToken(`K10${HASH}::server:`), TokenFormatError);
    assert.throws(() => parseToken(""), /empty/);
  });

  describe("CA hashes", () => {
    let caPem = "";
    let bundle = "";
    before(async () => {
      const rootKey = await importEcKey(generateEcKeyPem());
      caPem = await createCaCert("root-ca", rootKey, new Date());
      const interKey = await importEcKey(generateEcKeyPem());
      const inter = await signCert({ commonName: "intermediate", usages: ["client"] }, interKey, { certPem: caPem, key: rootKey }, new Date());
      bundle = inter + caPem;
    });

    it("hashes a single self-signed CA file by its bytes, as stored", () => {
      assert.equal(hashCaBundle(caPem), createHash("sha256").update(caPem).digest("hex"));
      assert.equal(formatToken("server:x", caPem), `K10${createHash("sha256").update(caPem).digest("hex")}::server:x`);
    });

    it("hashes a bundle by the DER of its root certificate", () => {
      assert.equal(hashCaBundle(bundle), createHash("sha256").update(new X509Certificate(caPem).raw).digest("hex"));
    });

    it("refuses a server CA that does not match the token's hash, and accepts the right one", () => {
      const token = parseToken(formatToken("server:x", caPem));
      assert.doesNotThrow(() => checkCaHash(token, caPem));
      assert.throws(() => checkCaHash(token, bundle), /token CA hash does not match the Cluster CA certificate hash/);
      assert.doesNotThrow(() => checkCaHash(parseToken("short"), bundle));
    });
  });
});
