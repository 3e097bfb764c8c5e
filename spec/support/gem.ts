// The installable gem (dist/gem, built by scripts/build-gem.sh) unpacked as Logstash's plugin
// manager reads it, for the specs that check what it carries (spec/plugin-java gem and notices).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { filesUnder } from './files.js';

export interface UnpackedGem {
  /** The gemspec (metadata.gz). */
  spec: any;
  /** Where the gem's files (data.tar.gz) are unpacked. */
  dataDir: string;
  /** The gem's files, relative to dataDir, sorted. */
  files: string[];
}

/** Unpacks the gem into dir, an empty directory. */
export function unpackGem(gem: string, dir: string): UnpackedGem {
  // A .gem is a tar of metadata.gz (the YAML gemspec) and data.tar.gz (the files).
  execFileSync('tar', ['-xf', gem, '-C', dir]);
  // Ruby's YAML tags (!ruby/object:Gem::...) carry no meaning here: read them as plain maps.
  const spec = parse(gunzipSync(readFileSync(join(dir, 'metadata.gz'))).toString('utf8').replace(/!ruby\/[\w:]+/g, ''));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, 'data.tar.gz'), '-C', dataDir]);
  return { spec, dataDir, files: filesUnder(dataDir).sort() };
}
