import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.ts";
import { formatProblem } from "../../../src/config/problems.ts";
import { makeRoot } from "../../helpers/temp-root.ts";

test("sources merge in order: system, cmdline, local, cloud metadata, userdata, config.d by name", async () => {
  const root = await makeRoot({
    "/k3os/system/config.yaml": "hostname: system\nk3os:\n  labels: {from: system, system: yes}\n  token: system\n",
    "/proc/cmdline": "console=ttyS0 hostname=cmdline k3os.labels.from=cmdline k3os.token=cmdline",
    "/var/lib/rancher/k3os/config.yaml": "k3os:\n  labels: {from: local}\n",
    "/run/config/local_hostname": "metadata\n",
    "/run/config/userdata": "k3os:\n  token: userdata\n",
    "/var/lib/rancher/k3os/config.d/20-b.yaml": "k3os:\n  labels: {from: 20-b}\n",
    "/var/lib/rancher/k3os/config.d/10-a.yaml": "hostname: 10-a\nk3os:\n  labels: {from: 10-a}\n",
  });
  const { config, problems, used } = await loadConfig(root);
  assert.deepEqual(problems, []);
  assert.deepEqual(used, [
    "/k3os/system/config.yaml",
    "cmdline",
    "/var/lib/rancher/k3os/config.yaml",
    "cloud metadata (/run/config)",
    "/run/config/userdata",
    "/var/lib/rancher/k3os/config.d/10-a.yaml",
    "/var/lib/rancher/k3os/config.d/20-b.yaml",
  ]);
  assert.equal(config.hostname, "10-a");
  assert.deepEqual(config.k3os?.labels, { from: "20-b", system: "yes" });
  assert.equal(config.k3os?.token, "userdata");
});

test("a wrong type is reported with file, line and YAML path, and that source is left out", async () => {
  const root = await makeRoot({
    "/k3os/system/config.yaml": "k3os:\n  labels: {a: b}\n",
    "/var/lib/rancher/k3os/config.d/50-net.yaml": "hostname: x\nk3os:\n  labels:\n    - a\n",
  });
  const { config, problems, skipped } = await loadConfig(root);
  assert.deepEqual(problems.map(formatProblem), ["/var/lib/rancher/k3os/config.d/50-net.yaml:3: k3os.labels: expected a map, got a list"]);
  assert.deepEqual(skipped, ["/var/lib/rancher/k3os/config.d/50-net.yaml"]);
  assert.deepEqual(config, { k3os: { labels: { a: "b" } } });
});

test("every problem of every source is reported at once", async () => {
  const root = await makeRoot({
    "/k3os/system/config.yaml": "k3os:\n  install:\n    silent: maybe\n  wifi:\n  - name: x\n",
    "/var/lib/rancher/k3os/config.yaml": "write_files:\n- content: x\n  permissions: '0644'\nhostnme: typo\n",
    "/var/lib/rancher/k3os/config.d/a.yaml": "k3os: [unclosed\n",
    "/proc/cmdline": "k3os.install.power_off=perhaps",
  });
  const { problems } = await loadConfig(root);
  assert.deepEqual(problems.map(formatProblem).sort(), [
    '/k3os/system/config.yaml:3: k3os.install.silent: expected true or false, got a string',
    "/k3os/system/config.yaml:5: k3os.wifi[0].passphrase: is required",
    "/var/lib/rancher/k3os/config.d/a.yaml:2: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    "/var/lib/rancher/k3os/config.yaml:2: write_files[0].path: is required",
    'cmdline: k3os.install.power_off: expected true or false, got a string (from "k3os.install.power_off=perhaps")',
    "warning: /var/lib/rancher/k3os/config.yaml:4: hostnme: unknown key (ignored)",
  ]);
});

test("coercions: one value for a list, strings for booleans, numbers for strings, !!binary content", async () => {
  const root = await makeRoot({
    "/k3os/system/config.yaml":
      "ssh_authorized_keys: ssh-ed25519 AAAA\nk3os:\n  modules: kvm\n  sysctls: {kernel.kptr_restrict: 1}\n  install: {silent: 'true', tty: 0}\n" +
      "write_files:\n- path: /bin/x\n  content: !!binary aGVsbG8=\n  permissions: 0755\n",
  });
  const { config, problems } = await loadConfig(root);
  assert.deepEqual(problems, []);
  assert.deepEqual(config, {
    ssh_authorized_keys: ["ssh-ed25519 AAAA"],
    k3os: { modules: ["kvm"], sysctls: { "kernel.kptr_restrict": "1" }, install: { silent: true, tty: "0" } },
    write_files: [{ path: "/bin/x", content: "aGVsbG8=", encoding: "b64", permissions: "755" }],
  });
});

test("a userdata script is kept to run at runtime, not merged as config", async () => {
  const root = await makeRoot({ "/run/config/userdata": "#!/bin/sh\necho hi\n", "/k3os/system/config.yaml": "hostname: a\n" });
  const loaded = await loadConfig(root);
  assert.deepEqual(loaded.config, { hostname: "a" });
  assert.equal(loaded.userdataScript?.content.toString(), "#!/bin/sh\necho hi\n");
});

test("cloud metadata gives the hostname and ssh keys", async () => {
  const root = await makeRoot({ "/run/config/local_hostname": "cloudy\n", "/run/config/ssh/authorized_keys": "ssh-rsa A\n\n# c\nssh-rsa B\n" });
  const { config } = await loadConfig(root);
  assert.deepEqual(config, { hostname: "cloudy", ssh_authorized_keys: ["ssh-rsa A", "ssh-rsa B"] });
});

test("a config file that is not a map is an error naming the file", async () => {
  const root = await makeRoot({ "/var/lib/rancher/k3os/config.yaml": "- a\n- b\n" });
  const { problems } = await loadConfig(root);
  assert.deepEqual(problems.map(formatProblem), ["/var/lib/rancher/k3os/config.yaml:1: expected a map of config keys at the top level"]);
});

test("an unreadable config file is reported and the others still count", async () => {
  const root = await makeRoot({ "/k3os/system/config.yaml": "hostname: a\n" });
  const { mkdir } = await import("node:fs/promises");
  await mkdir(`${root}/var/lib/rancher/k3os/config.yaml`, { recursive: true }); // a directory: EISDIR
  const { config, problems } = await loadConfig(root);
  assert.deepEqual(problems.map(formatProblem), ["/var/lib/rancher/k3os/config.yaml: is a directory, not a regular file"]);
  assert.deepEqual(config, { hostname: "a" });
});

test("hidden files in config.d are ignored", async () => {
  const root = await makeRoot({ "/var/lib/rancher/k3os/config.d/.50-x.yaml.swp": "garbage: [", "/var/lib/rancher/k3os/config.d/a.yaml": "hostname: a\n" });
  const { config, problems } = await loadConfig(root);
  assert.deepEqual(problems, []);
  assert.deepEqual(config, { hostname: "a" });
});

test("a map key named __proto__ is an error naming the file, line and key, not silently dropped", async () => {
  const root = await makeRoot({ "/k3os/system/config.yaml": "k3os:\n  labels:\n    __proto__: x\n    role: edge\n" });
  const { config, problems } = await loadConfig(root);
  assert.deepEqual(problems.map(formatProblem), ['/k3os/system/config.yaml:3: k3os.labels.__proto__: a key named "__proto__" is not supported']);
  assert.equal(config.k3os?.labels?.role, undefined, "a source with an error is left out");
});
