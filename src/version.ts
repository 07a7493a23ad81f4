// Stamped by scripts/build.mjs (esbuild define); "dev" when run from source through tsx.
declare const K3OS_VERSION: string | undefined;
export const VERSION: string = typeof K3OS_VERSION === "string" ? K3OS_VERSION : "dev";
