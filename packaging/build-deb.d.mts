// Types for the exports of build-deb.mjs that TypeScript code (spec/) uses.
export const PACKAGE_NAME: string;
/** Installed paths, relative to the root of the file system. */
export const LAYOUT: {
  executable: string;
  addon: string;
  unit: string;
  config: string;
  env: string;
  doc: string;
  man: string;
  lintianOverrides: string;
};
/** The .deb's file name for a build version. */
export function debFileName(version: string): string;
export function buildDeb(opts: {
  executable: string;
  addon: string;
  components: object[];
  build: { version: string; release: string; commit: string | null };
  nodeVersion: string;
  outDir: string;
  workDir: string;
  log?: (line: string) => void;
}): { deb: string; version: string; depends: string };
