// A change on the filter's path must leave its output byte for byte as it was: the realistic
// stream (streams.ts) through two builds of the plugin (this one and --baseline-jar), the same
// world, then the md5 of each output with the moment of enrichment (matched.occurred, the one
// thing that differs between two runs) set to one value. Exits 1 when they differ.
//
//   npm run build && npx tsx bench/filter/same-output.ts --baseline-jar OLD.jar [--events 300000] [--workers 2]
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findJava } from '../../bin/misp-enrich-run.js';
import { generateStream } from './streams.js';
import { mispEnrichRun, startWorld } from './world.js';

const { values: opt } = parseArgs({
  options: {
    'baseline-jar': { type: 'string' },
    events: { type: 'string', default: '300000' },
    workers: { type: 'string', default: '2' },
    synthetic: { type: 'string', default: '100000' },
  },
});
if (!opt['baseline-jar']) throw new Error('--baseline-jar is required');

const java = findJava();
if (!java) throw new Error('no JDK 21+ found');
const home = java.java.replace(/\/bin\/java$/, '');
const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-same-output-'));
const world = await startWorld(Number(opt.synthetic));
try {
  const s = generateStream({ kind: 'realistic', events: Number(opt.events), indicators: world.indicators });
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, s.lines.join('\n') + '\n');
  const settings = join(dir, 'settings.json');
  writeFileSync(settings, JSON.stringify({ memcached_hosts: [world.mc.address], misp_url: world.mispUrl, misp_api_key: world.apiKey, fetch_context: true }), { mode: 0o600 });
  const digest = async (jar: string | undefined, name: string) => {
    const out = join(dir, name);
    await mispEnrichRun(input, settings, out, home, '', Number(opt.workers), 125, jar);
    const text = readFileSync(join(out, 'out.ndjson'), 'utf8').replace(/"occurred":"[^"]*"/g, '"occurred":"-"');
    return { md5: createHash('md5').update(text).digest('hex'), lines: text.split('\n').length - 1, matched: (text.match(/"enrichments"/g) ?? []).length };
  };
  mkdirSync(join(dir, 'base'));
  mkdirSync(join(dir, 'this'));
  const base = await digest(resolve(opt['baseline-jar']), 'base');
  const now = await digest(undefined, 'this');
  console.log(`${opt.events} realistic events, ${opt.workers} workers: baseline ${JSON.stringify(base)}, this build ${JSON.stringify(now)}`);
  console.log(base.md5 === now.md5 ? 'same output' : 'OUTPUT DIFFERS');
  process.exitCode = base.md5 === now.md5 ? 0 : 1;
} finally {
  await world.stop();
  rmSync(dir, { recursive: true, force: true });
}
