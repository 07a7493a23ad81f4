// Validation belongs to the schema and the resolve step, so --dump reports every bad value with its
// file, line and YAML path, before any applier runs; resolve turns a valid config into what appliers use.
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { runConfigCommand } from "../../../src/cli/config-command.ts";
import { mergeSources } from "../../../src/config/load.ts";
import { DATASOURCES } from "../../../src/datasource/probe.ts";
import { formatProblem } from "../../../src/config/problems.ts";
import { parseYamlSource } from "../../../src/config/sources.ts";
import { resolveConnman, resolveDataSources, resolveEnvironment, resolveHostname, resolveK3sService, resolveSysctls, resolveWriteFiles } from "../../../src/config/resolve.ts";
import { BASE_NODE, makeRoot } from "../../helpers/temp-root.ts";

function problemsOf(yaml: string): string[] {
  return mergeSources([parseYamlSource("/a.yaml", yaml)]).problems.map(formatProblem);
}

const NAME_RULE = "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
const HASH = "74ec55daebdf54ef48294b0ddf0ce1c3cb64ee7e3d0b9ec79fbc7baf1f7ddac6";
// k3s's own parser's message (src/k3s/layout/token-format.ts), then the full form.
const K10_RULE = "k3s's full token is K10<CA hash: 64 lower-case hex digits>::<user>:<password>";
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
  ["k3s_args that do not start with server or agent", "k3os:\n  k3s_args:\n  - --cluster-init\n  - server\n", '/a.yaml:3: k3os.k3s_args[0]: the first argument must be "server" or "agent", got "--cluster-init"'],
  ["a label key with a space", "k3os:\n  labels:\n    'bad key': x\n", `/a.yaml:3: k3os.labels["bad key"]: "bad key" is not a valid label key (an optional DNS prefix and '/', then ${NAME_RULE})`],
  ["a label key with an upper-case prefix", "k3os:\n  labels:\n    Example.COM/x: y\n", `/a.yaml:3: k3os.labels["Example.COM/x"]: "Example.COM/x" is not a valid label key (an optional DNS prefix and '/', then ${NAME_RULE})`],
  ["a label value of 64 characters", `k3os:\n  labels:\n    region: ${"a".repeat(64)}\n`, `/a.yaml:3: k3os.labels.region: "${"a".repeat(64)}" is not a valid label value (empty, or ${NAME_RULE})`],
  ["a label value with a space", "k3os:\n  labels:\n    region: 'us west'\n", `/a.yaml:3: k3os.labels.region: "us west" is not a valid label value (empty, or ${NAME_RULE})`],
  ["a taint without an effect", "k3os:\n  taints: [key1=value1]\n", '/a.yaml:2: k3os.taints[0]: "key1=value1" is not a taint `key[=value]:Effect`: the effect is missing'],
  ["a taint with an unknown effect", "k3os:\n  taints:\n  - key1=value1:NoSchedule\n  - key1=value1:Never\n", '/a.yaml:4: k3os.taints[1]: "key1=value1:Never": the taint\'s effect "Never" is not one of NoSchedule, PreferNoSchedule, NoExecute'],
  ["a taint with a bad value", "k3os:\n  taints: ['key1=a b:NoSchedule']\n", `/a.yaml:2: k3os.taints[0]: "key1=a b:NoSchedule": "a b" is not a valid taint value (empty, or ${NAME_RULE})`],
  ["a server_url without a scheme", "k3os:\n  server_url: myserver:6443\n", '/a.yaml:2: k3os.server_url: "myserver:6443" is not an https:// (or http://) URL with a host, such as https://myserver:6443'],
  ["a server_url of another scheme", "k3os:\n  server_url: ftp://myserver\n", '/a.yaml:2: k3os.server_url: "ftp://myserver" is not an https:// (or http://) URL with a host, such as https://myserver:6443'],
  ["a K10 token with a short CA hash", "k3os:\n  token: K10abc::node:secret\n", `/a.yaml:2: k3os.token: invalid token CA hash length: 3, expected 64 hex digits; ${K10_RULE}`],
  ["a K10 token without ::", `k3os:\n  token: K10${HASH}node:secret\n`, `/a.yaml:2: k3os.token: invalid token format: a K10 token is K10<CA hash>::<credentials>; ${K10_RULE}`],
  ["a K10 token without a password", `k3os:\n  token: K10${HASH}::node\n`, `/a.yaml:2: k3os.token: invalid token format: expected user:password after '::'; ${K10_RULE}`],
  ["a token with a space", "k3os:\n  token: 'my secret'\n", "/a.yaml:2: k3os.token: must be one word: not empty, no spaces or line breaks"],
  ["an empty token", "k3os:\n  token: ''\n", "/a.yaml:2: k3os.token: must be one word: not empty, no spaces or line breaks"],
];
for (const [what, yaml, problem] of BAD) {
  test(`--dump reports ${what} with file, line and YAML path`, () => {
    const problems = problemsOf(yaml);
    assert.ok(problems.includes(problem), `wanted ${problem}\ngot ${problems.join("\n")}`);
  });
}

test("an unknown data source is a warning naming the known ones, and the source still counts", () => {
  const { problems, config, used } = mergeSources([parseYamlSource("/a.yaml", "k3os:\n  data_sources: [aws, azure, cdrom]\n")]);
  assert.deepEqual(problems.map(formatProblem), [
    'warning: /a.yaml:2: k3os.data_sources[1]: unknown data source "azure" (known: aws, gcp, openstack, packet, scaleway, vultr, hetzner, cdrom)',
  ]);
  assert.deepEqual(used, ["/a.yaml"]);
  assert.deepEqual(resolveDataSources(config), ["aws", "azure", "cdrom"]);
  assert.deepEqual(problemsOf(`k3os:\n  data_sources: [${[...DATASOURCES.keys()].join(", ")}]\n`), []);
});

test("k3s settings k3s accepts give no problem: full and bootstrap K10 tokens, prefixed labels, empty values, taints without a value", () => {
  const yaml = [
    "k3os:",
    "  server_url: https://[fd00::1]:6443",
    `  token: K10${HASH}::node:77689533d0140c7019416603a05275d4`,
    "  labels:",
    "    example.com/role: worker",
    "    empty: ''",
    `    ${"k".repeat(63)}: ${"v".repeat(63)}`,
    "  taints: [dedicated:NoExecute, 'a.b/c=d_e.f:PreferNoSchedule', 'k=:NoSchedule']",
    "  k3s_args: [agent, --node-ip, 10.0.0.2]",
  ];
  for (const token of [`K10${HASH}::abcdef.0123456789abcdef`, "K1", "my-cluster-secret:with=colons"]) {
    assert.deepEqual(problemsOf(`k3os:\n  token: '${token}'\n  server_url: http://10.0.0.1:6443\n`), [], token);
  }
  assert.deepEqual(problemsOf(yaml.join("\n")), []);
});

test("resolveK3sService: server or agent by server_url when k3s_args are not given, and the same checks as --dump", () => {
  assert.deepEqual(resolveK3sService({}), { args: ["server"], role: "server", labels: {}, taints: [], environment: {} });
  const k3os = { server_url: "https://s:6443", token: "t", labels: { a: "1" }, taints: ["k:NoSchedule"], environment: { http_proxy: "http://p" } };
  assert.deepEqual(resolveK3sService({ k3os }), { args: ["agent"], role: "agent", ...k3os });
  assert.deepEqual(resolveK3sService({ k3os: { ...k3os, k3s_args: ["server", "--cluster-init"] } }).args, ["server", "--cluster-init"]);
  const bad: [object, RegExp][] = [
    [{ k3s_args: ["--cluster-init"] }, /^Error: k3os\.k3s_args\[0\]: the first argument must be "server" or "agent"/],
    [{ labels: { "a b": "x" } }, /^Error: k3os\.labels\["a b"\]: "a b" is not a valid label key/],
    [{ taints: ["k=v"] }, /^Error: k3os\.taints\[0\]: "k=v" is not a taint/],
    [{ server_url: "s:6443" }, /^Error: k3os\.server_url: "s:6443" is not an https:/],
    [{ token: "K10abc::node:x" }, /^Error: k3os\.token: invalid token CA hash length/],
  ];
  for (const [k, message] of bad) assert.throws(() => resolveK3sService({ k3os: k }), message, JSON.stringify(k));
});

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
