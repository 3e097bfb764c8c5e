// Types for the exports of build-deb.mjs that TypeScript code (spec/) uses.
export const PACKAGE_NAME: string;
/** Installed paths, relative to the root of the file system. */
export const LAYOUT: { executable: string; unit: string; config: string; doc: string };
export function buildDeb(opts: {
  executable: string;
  licensesDir: string;
  nodeVersion: string;
  outDir: string;
  workDir: string;
  log?: (line: string) => void;
}): { deb: string; version: string };
