#!/usr/bin/env bash
# The test command (README, .ci/run): set up, build what the selected tiers need, type-check, then
# run the tiers with one summary line each ("unit: N passed, N failed").
#   scripts/test.sh                 every tier: unit, tools, namespaces, vm (the VM smoke set)
#   scripts/test.sh unit tools      only those tiers
#   K3OS_VM_SET=full scripts/test.sh vm    every VM case (the full VM command)
# Long builds (Kubernetes components, node images, rootfs) are cached under ~/.cache/k3os by their
# inputs, so a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/test.sh [unit|tools|namespaces|vm]..."
for a in "$@"; do
  case "$a" in
    -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
    unit|tools|namespaces|vm) ;;
    *) echo "test.sh: no such tier: $a" >&2; echo "$usage" >&2; exit 2 ;;
  esac
done
tiers=("$@")
[ ${#tiers[@]} -gt 0 ] || tiers=(unit tools namespaces vm)
wants() { local t; for t in "${tiers[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

scripts/setup.sh
npm run --silent build
echo "typecheck: tsc --noEmit"
npx tsc --noEmit -p .
if wants tools || wants namespaces || wants vm; then
  echo "== Kubernetes components (builder/kube, cached by inputs)"
  npx tsx builder/kube/build.ts
  echo "== node images (pause, CoreDNS, local-path-provisioner; cached by inputs)"
  npx tsx builder/kube/node-images.ts
fi
# The namespaces tier boots the built OS too (test/namespaces/os-*.test.ts), as the vm tier does.
if wants namespaces || wants vm; then
  echo "== image artifacts (builder, cached by inputs)"
  npx tsx builder/cli.ts build
fi
exec node scripts/test.mjs "${tiers[@]}"
