// Property tests: arbitrary input never throws out of the parsers and the loader, paths never
// leave the root, and what --dump prints reads back as the same config.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { parseCmdline, tokenizeCmdline } from "../../../src/config/cmdline.ts";
import { isTopLevelKey, mergeSources, validateSource } from "../../../src/config/load.ts";
import { parseYamlSource } from "../../../src/config/sources.ts";
import { inRoot, resolveInRoot } from "../../../src/system/paths.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

const RUNS = { numRuns: 300 };

test("the cmdline parser never throws, whatever the line", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (line) => {
      tokenizeCmdline(line);
      parseCmdline(line, isTopLevelKey);
    }),
    RUNS,
  );
});

test("cmdline map keys with dots and quoted values with spaces read back as written", () => {
  const word = fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,15}$/).filter((s) => !s.includes(".."));
  const value = fc.stringMatching(/^[a-zA-Z0-9 :=,._-]{1,20}$/);
  fc.assert(
    fc.property(fc.dictionary(word, value, { minKeys: 1, maxKeys: 5 }), (labels) => {
      const line = Object.entries(labels).map(([k, v]) => `k3os.labels[${k}]="${v}"`).join(" ");
      const { data } = parseCmdline(`console=ttyS0 ${line} quiet`, isTopLevelKey);
      assert.deepEqual(data, { k3os: { labels: { ...labels } } });
    }),
    RUNS,
  );
});

test("the loader never throws on arbitrary text, only reports problems", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => {
      const source = parseYamlSource("/fuzz.yaml", text);
      const { problems } = validateSource(source);
      for (const p of problems) assert.equal(typeof p.message, "string");
    }),
    RUNS,
  );
});

test("the loader never throws on arbitrary YAML structures, including near-valid configs", () => {
  const near = fc.record(
    {
      hostname: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      k3os: fc.oneof(fc.anything(), fc.record({ labels: fc.anything(), modules: fc.anything(), install: fc.anything(), wifi: fc.anything() })),
      write_files: fc.oneof(fc.anything(), fc.array(fc.record({ path: fc.anything(), content: fc.anything(), encoding: fc.anything() }))),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.oneof(near, fc.anything()), (value) => {
      let text: string | undefined;
      try {
        text = stringify(value);
      } catch {
        return; // not representable as YAML
      }
      if (typeof text !== "string") return;
      mergeSources([parseYamlSource("/fuzz.yaml", text), parseYamlSource("/fuzz2.yaml", text)]);
    }),
    RUNS,
  );
});

test("a valid config printed by --dump reads back as the same config", () => {
  // "<<" is YAML's merge key (accepted as in k3OS's YAML 1.1 parser), never a config value.
  // "__proto__" as a map key is refused with an error (see the loader's test), never a valid config.
  const str = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== "<<" && s !== "__proto__");
  // Wifi values are written into connman's key files: one line, no control characters.
  const line = fc.stringMatching(/^[!-~][ -~]{0,11}$/).filter((s) => s !== "<<" && s !== "__proto__");
  // Labels are Kubernetes label syntax (schema-checked); words like true, null, 0640 or 1e3 still
  // have to stay strings through the dump.
  const labelName = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,10}[A-Za-z0-9])?$/);
  const labelKey = fc.tuple(fc.option(fc.stringMatching(/^[a-z0-9]{1,5}(\.[a-z0-9]{1,5})?$/)), labelName).map(([p, n]) => (p ? `${p}/${n}` : n));
  const config = fc.record(
    {
      hostname: fc.stringMatching(/^[a-z]([a-z0-9-]{0,9}[a-z0-9])?$/),
      run_cmd: fc.array(str, { maxLength: 3 }),
      k3os: fc.record(
        {
          labels: fc.dictionary(labelKey, fc.oneof(fc.constant(""), labelName), { maxKeys: 3 }),
          sysctls: fc.dictionary(fc.stringMatching(/^[a-z]{1,4}(\.[a-z]{1,4}){0,2}$/), str, { maxKeys: 3 }),
          modules: fc.array(str, { maxLength: 3 }),
          install: fc.record({ silent: fc.boolean(), device: str }, { requiredKeys: [] }),
          wifi: fc.array(fc.record({ name: line, passphrase: line }), { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(config, (c) => {
      const { config: merged, problems } = mergeSources([parseYamlSource("/a.yaml", stringify(c))]);
      assert.deepEqual(problems, []);
      assert.deepEqual(merged, JSON.parse(JSON.stringify(c)));
    }),
    RUNS,
  );
});

test("resolved paths always stay inside the root", async () => {
  const root = await makeRoot({ "/etc/x": "" });
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(fc.constant(".."), fc.constant("."), fc.constant("etc"), fc.string({ maxLength: 5 })), { maxLength: 8 }), async (parts) => {
      const path = `/${parts.join("/")}`;
      for (const resolved of [inRoot(root, path), await resolveInRoot(root, path)]) {
        assert.ok(resolved === root || resolved.startsWith(`${root}/`), `${path} → ${resolved}`);
      }
    }),
    { numRuns: 200 },
  );
});
