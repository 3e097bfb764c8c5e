// `npm run demo`: the whole product on embedded defaults, on this machine, in one command.
// memcached and misp-sim (serving demo/misp-data) start on free loopback ports, the agent loads
// memcached with one sync, a stream of ECS events goes through the real plugin jar in the
// Logstash-contract harness, and the output is checked against the stream's known answers.
// Then the real-time part: the agent subscribed to misp-sim's ZeroMQ feed sees an indicator
// added in MISP, and the next event carrying it is enriched (live-update.ts).
// Everything started here is stopped when the demo ends or is interrupted.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseScriptArgs, usageFailure } from '../tools/script-args.js';
import { startService, type ChildService } from '../tools/child-service.js';
import { freePort, startMemcached, type MemcachedProcess } from '../tools/local-memcached.js';
import { loadDemoDataset } from './demo-dataset.js';
import { formatSummary, summarize } from './demo-summary.js';
import { generateStream } from './demo-stream.js';
import { showLiveUpdate } from './live-update.js';
import { showRetroHunt } from './retro-hunt.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const USAGE = 'usage: npm run demo -- [--json] [--events N] [--workers N] [--out DIR]';
const usageError = usageFailure('run-demo', USAGE);
const opts = parseScriptArgs('run-demo', USAGE, {
    options: {
      json: { type: 'boolean', default: false },
      events: { type: 'string', default: '5000' },
      workers: { type: 'string', default: '2' },
      out: { type: 'string', default: join(ROOT, '.demo') },
      help: { type: 'boolean', short: 'h', default: false },
    },
}).values;
function count(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) usageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}
const asJson = opts.json;
const eventCount = count('events', opts.events);
const workers = count('workers', opts.workers);
const outDir = resolve(opts.out);

const started = Date.now();
const timings: Record<string, number> = {};
let stage = 0;
const STAGES = 8;
function progress(msg: string): void {
  process.stderr.write(`[${++stage}/${STAGES}] ${msg}\n`);
}
async function timed<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - t0;
  }
}

const VERSION = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
const ARTIFACTS = [
  'dist/core/misp-enrich-core.js',
  'dist/agent/misp-enrich-agent.js',
  'dist/misp-sim/misp-sim.js',
  `plugin/java/filter/target/logstash-filter-misp_enrich-${VERSION}.jar`,
  `testbed/harness/target/misp-enrich-harness-${VERSION}.jar`,
];

let memcached: MemcachedProcess | null = null;
let sim: ChildService | null = null;
const others = new Set<ChildProcess>();
async function cleanup(): Promise<void> {
  for (const c of others) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sim?.stop();
  await memcached?.stop();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\ndemo interrupted; stopping what it started\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

function run(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d).slice(-50_000)));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolvePromise({ stdout, stderr }) : reject(new Error(`${argv[0] ?? command} exited with ${code}\n${stderr.slice(-4000)}`)),
    );
  });
}

async function main(): Promise<number> {
  mkdirSync(outDir, { recursive: true });

  progress('building what is missing');
  await timed('build', () => {
    if (ARTIFACTS.every((a) => existsSync(join(ROOT, a)))) return;
    execFileSync('bash', [join(ROOT, 'scripts/system-deps.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', process.stderr, 'inherit'] });
  });

  progress('starting memcached and misp-sim (with its ZeroMQ feed) on free loopback ports');
  const apiKey = randomBytes(20).toString('hex');
  // misp-sim serves a copy of the dataset: the live update adds an event to it.
  const dataDir = join(outDir, 'misp-data');
  rmSync(dataDir, { recursive: true, force: true });
  cpSync(join(ROOT, 'demo/misp-data'), dataDir, { recursive: true });
  const zmqPort = await freePort();
  await timed('start_servers', async () => {
    memcached = await startMemcached();
    sim = await startService(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', dataDir, '--port', '0', '--api-key', apiKey, '--zmq-port', String(zmqPort)], {
      ready: /listening on (http:\/\/\S+)/,
    });
  });
  const mispUrl = sim!.ready[1]!;

  progress('agent: one full sync from MISP into memcached');
  const agentSummary = await timed('agent_sync', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, 'dist/agent/misp-enrich-agent.js'), '--once', '--misp-url', mispUrl, '--memcached', memcached!.address],
      { ...process.env, MISP_API_KEY: apiKey },
    );
    return JSON.parse(stdout) as unknown;
  });

  progress(`generating ${eventCount} ECS events (DNS, proxy, firewall, EDR, mail)`);
  const stream = await timed('generate', () => generateStream(loadDemoDataset(join(ROOT, 'demo/misp-data')), { count: eventCount }));
  const inputFile = join(outDir, 'input.ndjson');
  const outputFile = join(outDir, 'enriched.ndjson');
  const settingsFile = join(outDir, 'settings.json');
  writeFileSync(inputFile, stream.map((e) => JSON.stringify(e.event)).join('\n') + '\n');
  writeFileSync(
    settingsFile,
    JSON.stringify({ memcached_hosts: [memcached!.address], misp_url: mispUrl, misp_api_key: apiKey, fetch_context: true }, null, 2),
    { mode: 0o600 },
  );

  progress(`misp_enrich: the plugin jar in the Logstash-contract harness, ${workers} workers`);
  await timed('filter', () =>
    run(process.execPath, [join(ROOT, 'bin/misp-enrich-run.js'), '--settings', settingsFile, '--input', inputFile, '--output', outputFile, '--workers', String(workers)]),
  );

  progress('checking the output against the known answers');
  const output = readFileSync(outputFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  progress('real time: an indicator added in MISP reaches the filter through the ZeroMQ feed');
  // What the last two stages share: the running world.
  const stage = {
    root: ROOT,
    dataDir,
    mispUrl,
    apiKey,
    memcached: memcached!.address,
    zmqEndpoint: `tcp://127.0.0.1:${zmqPort}`,
    outDir,
    run: (command: string, argv: string[]) => run(command, argv),
    track: (child: ChildProcess) => others.add(child),
  };
  const live = await timed('live_update', () => showLiveUpdate(stage));
  progress('retro-hunt: a domain added to MISP today is found in last week\'s logs (OpenSearch, in-process)');
  const retro = await timed('retro_hunt', () =>
    showRetroHunt(stage, stream.map((e) => e.event)),
  );
  timings.total = Date.now() - started;
  const summary = summarize(stream, output, timings, outputFile);
  summary.agent = agentSummary;
  summary.live_update = live;
  summary.retro_hunt = retro;
  if (asJson) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else process.stdout.write(formatSummary(summary));
  const ok = summary.known_answers.wrong_events === 0 && summary.events_in === summary.events_out && summary.order_preserved && live.filter_matched &&
    retro.alerts === retro.past_events && retro.past_events > 0;
  return ok ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await cleanup();
    process.exit(1);
  });
