// YAML `!!binary` values. The yaml library's own tag decodes leniently (garbage becomes bytes, and is
// written to disk silently); this tag keeps the text as written, so the schema checks it as base64
// and reports a bad one with its file, line and key.
import type { ScalarTag } from "yaml";

export class YamlBinary {
  constructor(readonly text: string) {}
  /** The base64 text without the line breaks YAML allows inside it. */
  get base64(): string {
    return this.text.replace(/\s+/g, "");
  }
}

export const binaryTag: ScalarTag = {
  tag: "tag:yaml.org,2002:binary",
  identify: (value) => value instanceof YamlBinary,
  resolve: (text) => new YamlBinary(text),
  stringify: (item) => (item.value as YamlBinary).base64,
};
