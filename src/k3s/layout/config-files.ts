// How k3s finds its config files: FILE, then FILE.d/*.yaml|yml in name order (no subdirectories).
// One rule for the runtime (cli/config-file.ts reads them) and the OS (apply/k3s-service.ts looks
// for the user's node-ip in them), so both see the same files.

export function dropInDir(configFile: string): string {
  return `${configFile}.d`;
}

export function isDropInName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}
