// write_files content: decoded as its `encoding` says, strictly (invalid base64 is an error, not
// garbage on disk) and within limits (a small gzip bomb fails at the limit instead of filling memory).
// Messages do not name the field: the schema and the applier put the YAML path in front.
import { formatBytes, gunzipBounded, LimitError } from "../system/bounded.ts";

/** Largest decoded content of one write_files entry. */
export const MAX_FILE_CONTENT_BYTES = 16 * 1024 * 1024;

export type Encoding = "" | "b64" | "base64" | "gz" | "gzip" | "gz+b64" | "gz+base64" | "gzip+b64" | "gzip+base64";

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeBase64Strict(text: string): Buffer {
  const clean = text.replace(/\s+/g, "");
  // Buffer.from(..., "base64") skips what it does not know: check first, so nothing is dropped silently.
  if (!BASE64_RE.test(clean) || clean.replace(/=+$/, "").length % 4 === 1) throw new Error("not valid base64");
  return Buffer.from(clean, "base64");
}

function gunzip(data: Buffer, limit: number): Buffer {
  try {
    return gunzipBounded(data, limit, "");
  } catch (e) {
    if (e instanceof LimitError) throw new Error(`decompresses to more than the limit of ${formatBytes(limit)}`);
    throw new Error((e as Error).message.replace(/^: /, ""));
  }
}

/** The bytes of a content field; throws "not valid base64", "not valid gzip data (...)" or the limit. */
export function decodeContent(content: string, encoding: Encoding | undefined, limit = MAX_FILE_CONTENT_BYTES): Buffer {
  let bytes: Buffer;
  switch (encoding ?? "") {
    case "":
      bytes = Buffer.from(content, "utf8");
      break;
    case "b64":
    case "base64":
      bytes = decodeBase64Strict(content);
      break;
    case "gz":
    case "gzip":
      bytes = gunzip(Buffer.from(content, "latin1"), limit);
      break;
    default: // gz+b64 and its spellings: base64 of gzip
      bytes = gunzip(decodeBase64Strict(content), limit);
  }
  if (bytes.length > limit) throw new Error(`is larger than the limit of ${formatBytes(limit)}`);
  return bytes;
}
