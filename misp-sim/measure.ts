// Measures the simulator itself at scale (not part of the product or the specs): starts the
// built misp-sim with --synthetic N and times a full paged listing, one unpaged type query and
// one incremental query after /_sim/touch. Run: node scripts/build.mjs && npx tsx misp-sim/measure.ts [N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = 'usage: npx tsx misp-sim/measure.ts [N]   (N synthetic attributes, default 1000000; run node scripts/build.mjs first)';
function usageError(message: string): never {
  process.stderr.write(`measure: ${message}\n${USAGE}\n`);
  process.exit(2);
}
let cli;
try {
  cli = parseArgs({ options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true });
} catch (err) {
  usageError((err as Error).message);
}
if (cli.values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (cli.positionals.length > 1) usageError(`expected at most one argument, got ${cli.positionals.length}`);
const nText = cli.positionals[0] ?? '1000000';
const n = Number(nText);
if (!Number.isSafeInteger(n) || n < 1) usageError(`N must be a positive integer, got "${nText}"`);
const key = 'measure-key';
const dataDir = mkdtempSync(join(tmpdir(), 'misp-sim-measure-'));
const child = spawn(process.execPath, ['dist/misp-sim/misp-sim.js', '--data', dataDir, '--port', '0', '--api-key', key, '--synthetic', String(n)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve) => {
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    const m = /listening on (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
});
const headers = { Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json' };
const search = async (body: object): Promise<{ count: number; bytes: number }> => {
  const res = await fetch(`${url}/attributes/restSearch`, { method: 'POST', headers, body: JSON.stringify({ returnFormat: 'json', ...body }) });
  const text = await res.text();
  return { count: (JSON.parse(text) as { response: { Attribute: unknown[] } }).response.Attribute.length, bytes: text.length };
};
const rss = (): number => {
  // /proc is Linux-only; this script is a developer tool.
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; synthetic ${n}`);
let t = performance.now();
let total = 0;
let pages = 0;
for (let page = 1; ; page++) {
  const { count } = await search({ to_ids: true, deleted: [0, 1], limit: 10_000, page });
  total += count;
  pages++;
  if (count < 10_000) break;
}
let s = (performance.now() - t) / 1000;
console.log(`paged listing: ${total} attributes in ${pages} pages, ${s.toFixed(2)} s (${Math.round(total / s)} attributes/s, client parsing included)`);
t = performance.now();
const one = await search({ type: 'ip-dst' });
console.log(`unpaged type ip-dst: ${one.count} attributes, ${(one.bytes / 2 ** 20).toFixed(1)} MiB, ${((performance.now() - t) / 1000).toFixed(2)} s`);
const touched = (await (await fetch(`${url}/_sim/touch`, { method: 'POST', body: JSON.stringify({ count: 10_000 }) })).json()) as { timestamp: string };
t = performance.now();
let changed = 0;
for (let page = 1; ; page++) {
  const { count } = await search({ timestamp: Number(touched.timestamp), deleted: [0, 1], limit: 10_000, page });
  changed += count;
  if (count < 10_000) break;
}
s = (performance.now() - t) / 1000;
console.log(`incremental after touching 10000: ${changed} attributes in ${s.toFixed(2)} s`);
console.log(`simulator peak RSS: ${rss().toFixed(0)} MiB`);
child.kill('SIGTERM');
child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
