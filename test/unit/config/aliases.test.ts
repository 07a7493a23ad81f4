import assert from "node:assert/strict";
import { test } from "node:test";
import { aliasTable, resolveAlias } from "../../../src/config/aliases.ts";
import { configSchema, installSchema, k3osSchema, wifiSchema, writeFileSchema } from "../../../src/config/schema.ts";

test("every documented spelling of a key resolves to its field", () => {
  const cases: [typeof k3osSchema | typeof configSchema | typeof wifiSchema | typeof installSchema, string, string][] = [
    [k3osSchema, "dns_nameserver", "dns_nameservers"],
    [k3osSchema, "dnsNameservers", "dns_nameservers"],
    [k3osSchema, "dnsnameserver", "dns_nameservers"],
    [k3osSchema, "ntp_server", "ntp_servers"],
    [k3osSchema, "sysctl", "sysctls"],
    [k3osSchema, "k3sArgs", "k3s_args"],
    [k3osSchema, "k3s-arg", "k3s_args"],
    [k3osSchema, "serverUrl", "server_url"],
    [k3osSchema, "dataSource", "data_sources"],
    [k3osSchema, "taint", "taints"],
    [configSchema, "runcmd", "run_cmd"],
    [configSchema, "writeFiles", "write_files"],
    [configSchema, "sshAuthorizedKeys", "ssh_authorized_keys"],
    [wifiSchema, "pass", "passphrase"],
    [wifiSchema, "ssid", "name"],
    [installSchema, "efi", "force_efi"],
    [installSchema, "forceEfi", "force_efi"],
    [installSchema, "poweroff", "power_off"],
  ];
  for (const [schema, key, field] of cases) assert.equal(resolveAlias(schema, key), field, key);
});

test("unknown keys resolve to nothing", () => {
  assert.equal(resolveAlias(k3osSchema, "bogus"), undefined);
  assert.equal(resolveAlias(k3osSchema, "k3s"), undefined);
});

// The whole table, so that a new spelling (or a lost one) is a visible change.
const PINNED: Record<string, Record<string, string[]>> = {
  "configSchema": {
    "ssh_authorized_keys": [
      "sshauthorizedkeys",
      "ssh-authorized-keys",
      "ssh_authorized_key",
      "sshauthorizedkey",
      "ssh-authorized-key",
      "authorized_keys",
      "authorizedkeys",
      "authorized-keys",
      "ssh_keys",
      "sshkeys",
      "ssh-keys"
    ],
    "write_files": [
      "writefiles",
      "write-files",
      "write_file",
      "writefile",
      "write-file"
    ],
    "init_cmd": [
      "initcmd",
      "init-cmd"
    ],
    "boot_cmd": [
      "bootcmd",
      "boot-cmd"
    ],
    "run_cmd": [
      "runcmd",
      "run-cmd"
    ]
  },
  "k3osSchema": {
    "data_sources": [
      "datasources",
      "data-sources",
      "data_source",
      "datasource",
      "data-source"
    ],
    "modules": [
      "module"
    ],
    "sysctls": [
      "sysctl"
    ],
    "ntp_servers": [
      "ntpservers",
      "ntp-servers",
      "ntp_server",
      "ntpserver",
      "ntp-server"
    ],
    "dns_nameservers": [
      "dnsnameservers",
      "dns-nameservers",
      "dns_nameserver",
      "dnsnameserver",
      "dns-nameserver"
    ],
    "server_url": [
      "serverurl",
      "server-url"
    ],
    "labels": [
      "label"
    ],
    "k3s_args": [
      "k3sargs",
      "k3s-args",
      "k3s_arg",
      "k3sarg",
      "k3s-arg"
    ],
    "taints": [
      "taint"
    ]
  },
  "installSchema": {
    "config_url": [
      "configurl",
      "config-url"
    ],
    "iso_url": [
      "isourl",
      "iso-url"
    ],
    "no_format": [
      "noformat",
      "no-format"
    ],
    "force_efi": [
      "forceefi",
      "force-efi",
      "efi"
    ],
    "power_off": [
      "poweroff",
      "power-off"
    ]
  },
  "wifiSchema": {
    "name": [
      "ssid"
    ],
    "passphrase": [
      "pass",
      "psk"
    ]
  },
  "writeFileSchema": {}
};

test("the alias table is pinned", () => {
  const schemas = { configSchema, k3osSchema, installSchema, wifiSchema, writeFileSchema };
  for (const [name, schema] of Object.entries(schemas)) {
    const groups: Record<string, string[]> = {};
    for (const [alias, field] of aliasTable(schema)) if (alias !== field) (groups[field] ??= []).push(alias);
    assert.deepEqual(groups, PINNED[name], name);
  }
});
