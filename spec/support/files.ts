// Listing what a run or a build left in a directory, for specs that look at files on disk.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under a directory, relative paths (none when the directory does not exist). */
export function filesUnder(root: string, at = root): string[] {
  if (!existsSync(at)) return [];
  return readdirSync(at).flatMap((n) => {
    const p = join(at, n);
    return statSync(p).isDirectory() ? filesUnder(root, p) : [p.slice(root.length + 1)];
  });
}
