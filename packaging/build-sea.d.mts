// Types for the exports of build-sea.mjs that TypeScript code (spec/) uses.
export const EXECUTABLE_NAME: string;
export const ADDON_NAME: string;
export const NOTICES_NAME: string;
/** Bundles agent/cli.ts as the executable does; esbuild's metafile (the inputs it took). */
export function bundleAgent(opts: { outfile: string; version: string; nodeMajor: string; addonSha256: string }): Promise<{ inputs: Record<string, unknown> }>;
