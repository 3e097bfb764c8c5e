// Builds the TypeScript artifacts once before any spec runs, so specs always exercise the
// bundle and programs built from the current sources (esbuild takes well under a second).
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
