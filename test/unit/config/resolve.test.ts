// Validation belongs to the schema and the resolve step, so --dump reports every bad value with its
// file, line and YAML path, before any applier runs; resolve turns a valid config into what appliers use.
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { runConfigCommand } from "../../../src/cli/config-command.ts";
import { mergeSources } from "../../../src/config/load.ts";
import { formatProblem } from "../../../src/config/problems.ts";
import { parseYamlSource } from "../../../src/config/sources.ts";
import { resolveConnman, resolveEnvironment, resolveHostname, resolveSysctls, resolveWriteFiles } from "../../../src/config/resolve.ts";
import { BASE_NODE, makeRoot } from "../../helpers/temp-root.ts";

function problemsOf(yaml: string): string[] {
  return mergeSources([parseYamlSource("/a.yaml", yaml)]).problems.map(formatProblem);
}

const BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024)).toString("base64");

const BAD: [string, string, string][] = [
  ["permissions that are not octal", "write_files:\n- path: /etc/x\n  permissions: rwx\n", '/a.yaml:3: write_files[0].permissions: "rwx" is not an octal mode such as "0644" or "4755"'],
  ["a relative write_files path", "write_files:\n- path: etc/x\n", '/a.yaml:2: write_files[0].path: "etc/x" is not an absolute path'],
  ["a write_files path that is the root", "write_files:\n- content: x\n  path: /\n", '/a.yaml:3: write_files[0].path: "/" is a directory, not a file'],
  ["a write_files path that ends in a slash", "write_files:\n- path: /etc/\n", '/a.yaml:2: write_files[0].path: "/etc/" is a directory, not a file'],
  ["an owner that is not user[:group]", "write_files:\n- path: /etc/x\n  owner: 'a:b:c'\n", '/a.yaml:3: write_files[0].owner: "a:b:c" is not `user`, `user:group` or `uid:gid`'],
  ["invalid base64 content", "write_files:\n- path: /etc/x\n  encoding: b64\n  content: 'not base64!'\n", "/a.yaml:4: write_files[0].content: not valid base64"],
  ["a !!binary value that is not base64", "write_files:\n- path: /etc/x\n  content: !!binary '%%% garbage'\n", "/a.yaml:3: write_files[0].content: not valid base64"],
  ["gzip content that is not gzip", "write_files:\n- path: /etc/x\n  encoding: gz+b64\n  content: aGVsbG8=\n", "/a.yaml:4: write_files[0].content: not valid gzip data (incorrect header check)"],
  ["a gzip bomb", `write_files:\n- path: /etc/x\n  encoding: gz+b64\n  content: ${BOMB}\n`, "/a.yaml:4: write_files[0].content: decompresses to more than the limit of 16 MiB"],
  ["an invalid hostname", "hostname: 'bad_name!'\n", '/a.yaml:1: hostname: "bad_name!" is not a valid hostname (letters, digits, \'-\', \'.\', at most 64)'],
  ["an invalid sysctl name", "k3os:\n  sysctls:\n    ../../etc/passwd: x\n", '/a.yaml:3: k3os.sysctls["../../etc/passwd"]: invalid sysctl name "../../etc/passwd"'],
  ["an invalid data source", "k3os:\n  data_sources: [aws, 'cd rom;']\n", '/a.yaml:2: k3os.data_sources[1]: invalid data source name "cd rom;"'],
  ["an invalid environment variable name", "k3os:\n  environment:\n    1BAD: x\n", '/a.yaml:3: k3os.environment.1BAD: invalid variable name "1BAD"'],
  ["a DNS server that is not an IP address", "k3os:\n  dns_nameservers: [8.8.8.8, 'dns.example;x']\n", '/a.yaml:2: k3os.dns_nameservers[1]: "dns.example;x" is not an IP address'],
  ["an NTP server with a comma", "k3os:\n  ntp_servers: ['a,b']\n", '/a.yaml:2: k3os.ntp_servers[0]: "a,b" is not a host name or IP address'],
  ["a wifi name on two lines", "k3os:\n  wifi:\n  - name: \"a\\nb\"\n    passphrase: secretpass\n", "/a.yaml:3: k3os.wifi[0].name: must be one line without control characters"],
];
for (const [what, yaml, problem] of BAD) {
  test(`--dump reports ${what} with file, line and YAML path`, () => {
    const problems = problemsOf(yaml);
    assert.ok(problems.includes(problem), `wanted ${problem}\ngot ${problems.join("\n")}`);
  });
}

test("resolve gives the defaults and the decoded values appliers use", () => {
  const hello = gzipSync("hello\n").toString("base64");
  const files = resolveWriteFiles({
    write_files: [
      { path: "/etc/a", content: "x" },
      { path: "/usr/bin/b", content: hello, encoding: "gz+b64", permissions: "4755", owner: "rancher:shadow" },
    ],
  });
  assert.deepEqual(
    files.map((f) => ({ path: f.path, mode: f.mode, owner: f.owner, content: f.content().toString() })),
    [
      { path: "/etc/a", mode: 0o644, owner: { user: "root", group: "root" }, content: "x" },
      { path: "/usr/bin/b", mode: 0o4755, owner: { user: "rancher", group: "shadow" }, content: "hello\n" },
    ],
  );
  assert.deepEqual(resolveConnman({}), { dns: ["8.8.8.8"], ntp: [], wifi: [] });
  assert.deepEqual(resolveSysctls({ k3os: { sysctls: { "kernel.printk": "4" } } }), [{ key: "kernel.printk", path: "/proc/sys/kernel/printk", value: "4" }]);
  assert.equal(resolveHostname({ hostname: "node1" }), "node1");
  assert.deepEqual(resolveEnvironment({ k3os: { environment: { A: "1" } } }), { A: "1" });
  assert.throws(() => resolveHostname({ hostname: "bad_name!" }), /hostname: "bad_name!" is not a valid hostname/);
});

test("--boot does not write a bomb or a bad file, keeps setuid, and exits 1", async () => {
  const root = await makeRoot({
    ...BASE_NODE,
    "/k3os/system/config.yaml": "write_files:\n- path: /usr/bin/tool\n  permissions: '4755'\n  content: x\n",
    "/var/lib/rancher/k3os/config.d/50-bomb.yaml": `write_files:\n- path: /bomb\n  encoding: gz+b64\n  content: ${BOMB}\n`,
  });
  const err: string[] = [];
  const code = await runConfigCommand({ root, boot: true }, { out: () => {}, err: (l) => err.push(l) });
  assert.equal(code, 1);
  assert.ok(err.some((l) => l.includes("50-bomb.yaml:4: write_files[0].content: decompresses to more than the limit of 16 MiB")), err.join("\n"));
  await assert.rejects(stat(`${root}/bomb`));
  assert.equal((await stat(`${root}/usr/bin/tool`)).mode & 0o7777, 0o4755);
});
