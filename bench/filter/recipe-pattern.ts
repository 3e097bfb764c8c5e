// The old recipe's access pattern, as the baseline misp-enrich replaces: per event, the memcached
// filter's one `get` of the event's field values (one round trip, the raw values as keys, as the
// recipe's cron'd pull stored them), then for each hit one MISP /attributes/restSearch request
// by value (the recipe's Ruby filter), awaited before the next event. N workers run side by side
// like Logstash pipeline workers. NDJSON in, NDJSON out, in order.
//
// It runs in Node, not in Logstash with Ruby filters: that flatters the recipe (no Ruby, no
// Logstash event conversion), which is the safe side for a baseline.
//
//   tsx bench/filter/recipe-pattern.ts --input IN --output OUT --memcached HOST:PORT --misp-url URL
//        [--workers 2] [--report FILE] [--no-misp] [--warm-from N]   (MISP_API_KEY in the environment)
import { once } from 'node:events';
import { closeSync, createReadStream, createWriteStream, openSync, readSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const { values: opt } = parseArgs({
  options: {
    input: { type: 'string' },
    output: { type: 'string' },
    memcached: { type: 'string' },
    'misp-url': { type: 'string' },
    workers: { type: 'string', default: '2' },
    report: { type: 'string' },
    // The first event of the steady state measured (default: half of the input).
    'warm-from': { type: 'string' },
    // The recipe's ceiling: its memcached round trips alone, as if MISP answered in no time.
    'no-misp': { type: 'boolean', default: false },
  },
});
const FIELDS: string[][] = [
  ['source', 'ip'], ['destination', 'ip'], ['dns', 'question', 'name'], ['url', 'domain'], ['url', 'full'],
  ['url', 'original'], ['file', 'hash', 'md5'], ['file', 'hash', 'sha1'], ['file', 'hash', 'sha256'],
  ['email', 'from', 'address'], ['email', 'to', 'address'],
];
const LEGAL_KEY = /^[\x21-\x7e]{1,250}$/;

/** One memcached connection: a multi-key get per event, in the meta protocol, as one round trip. */
class Memcached {
  private buf: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      const w = this.waiter;
      this.waiter = null;
      w?.();
    });
  }

  static async open(address: string): Promise<Memcached> {
    const [host, port] = address.split(':');
    const sock = connect({ host, port: Number(port), noDelay: true });
    await new Promise<void>((ok, fail) => {
      sock.once('connect', () => ok());
      sock.once('error', fail);
    });
    return new Memcached(sock);
  }

  private async more(): Promise<void> {
    await new Promise<void>((r) => (this.waiter = r));
  }

  async getMulti(keys: string[]): Promise<(string | null)[]> {
    const out: (string | null)[] = keys.map(() => null);
    if (keys.length === 0) return out;
    this.sock.write(keys.map((k, i) => `mg ${k} v q O${i}\r\n`).join('') + 'mn\r\n');
    for (;;) {
      let nl = this.buf.indexOf('\r\n');
      while (nl < 0) {
        await this.more();
        nl = this.buf.indexOf('\r\n');
      }
      const line = this.buf.subarray(0, nl).toString('latin1');
      if (line === 'MN') {
        this.buf = this.buf.subarray(nl + 2);
        return out;
      }
      if (!line.startsWith('VA ')) throw new Error(`memcached answered ${line}`);
      const parts = line.split(' ');
      const size = Number(parts[1]);
      while (this.buf.length < nl + 2 + size + 2) await this.more();
      const index = Number(parts.find((p) => p.startsWith('O'))!.slice(1));
      out[index] = this.buf.subarray(nl + 2, nl + 2 + size).toString('utf8');
      this.buf = this.buf.subarray(nl + 2 + size + 2);
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

function get(event: Record<string, any>, path: string[]): unknown {
  let cur: any = event;
  for (const p of path) cur = cur?.[p];
  return cur;
}

/** Lines in a file (its newlines), read in chunks: the default warm mark is half of them. */
function countLines(file: string): number {
  const fd = openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let n = 0;
  try {
    for (let got; (got = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) {
      for (let at = chunk.indexOf(10); at >= 0 && at < got; at = chunk.indexOf(10, at + 1)) n++;
    }
  } finally {
    closeSync(fd);
  }
  return n;
}

async function main(): Promise<void> {
  // The input is streamed, the output written in order as it completes: a JIT steady-state run
  // holds millions of events, more text than one Node string takes.
  const warmFrom = opt['warm-from'] !== undefined ? Number(opt['warm-from']) : Math.floor(countLines(opt.input!) / 2);
  if (!Number.isInteger(warmFrom) || warmFrom < 0) throw new Error(`--warm-from must be a whole number of events, got ${opt['warm-from']}`);
  const started = process.hrtime.bigint();
  const lines = createInterface({ input: createReadStream(opt.input!), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const output = createWriteStream(opt.output!);
  const written = new Map<number, string>();
  let nextToWrite = 0;
  const dispatcher = new Agent({ connections: Number(opt.workers), keepAliveTimeout: 60_000 });
  const apiKey = process.env.MISP_API_KEY ?? '';
  let next = 0;
  let gets = 0;
  let mispRequests = 0;
  let mispNanos = 0;
  let hits = 0;
  // When --warm-from events were done (by default half): the rest is the steady state (Node's JIT
  // warm, connections open), as the filter's warm figure.
  let completed = 0;
  let warmAt = started;
  const worker = async () => {
    const mc = await Memcached.open(opt.memcached!);
    for (;;) {
      // Several workers wait on one reader: readline's iterator hands lines out in order.
      const line = await lines.next();
      if (line.done) break;
      if (!line.value) continue;
      const i = next++;
      const ev = JSON.parse(line.value) as Record<string, any>;
      const found: string[] = [];
      const keys: string[] = [];
      for (const f of FIELDS) {
        const v = get(ev, f);
        if (typeof v === 'string' && LEGAL_KEY.test(v)) keys.push(v);
      }
      if (keys.length > 0) {
        gets++;
        const got = await mc.getMulti(keys);
        got.forEach((v, k) => v !== null && found.push(keys[k]!));
      }
      if (found.length > 0 && opt['no-misp']) {
        hits++;
        ev.misp = { hit: found };
      } else if (found.length > 0) {
        hits++;
        const misp: Record<string, unknown> = { hit: found, tag: [], eventinfo: [] };
        for (const value of found) {
          mispRequests++;
          const t0 = process.hrtime.bigint();
          const res = await request(`${opt['misp-url']}/attributes/restSearch`, {
            method: 'POST',
            dispatcher,
            headers: { authorization: apiKey, accept: 'application/json', 'content-type': 'application/json' },
            body: JSON.stringify({ returnFormat: 'json', includeEventTags: 'yes', value }),
          });
          const body = (await res.body.json()) as { response?: { Attribute?: { Event?: { info?: string }; Tag?: { name: string }[] }[] } };
          mispNanos += Number(process.hrtime.bigint() - t0);
          for (const a of body.response?.Attribute ?? []) {
            (misp.eventinfo as string[]).push(a.Event?.info ?? '');
            for (const t of a.Tag ?? []) (misp.tag as string[]).push(t.name);
          }
        }
        ev.misp = misp;
      }
      // In input order: what completes early waits for the events before it (those the other
      // workers hold, each awaiting memcached or MISP).
      written.set(i, JSON.stringify(ev));
      for (let text = written.get(nextToWrite); text !== undefined; text = written.get(nextToWrite)) {
        written.delete(nextToWrite++);
        output.write(text + '\n');
      }
      if (output.writableNeedDrain) await once(output, 'drain');
      if (++completed === warmFrom) warmAt = process.hrtime.bigint();
    }
    mc.close();
  };
  await Promise.all(Array.from({ length: Number(opt.workers) }, worker));
  await new Promise<void>((done, fail) => output.end((e?: Error | null) => (e ? fail(e) : done())));
  await dispatcher.close();
  const ended = process.hrtime.bigint();
  const nanos = Number(ended - started);
  const report = { events: completed, memcached_round_trips: gets, misp_requests: mispRequests, hit_events: hits, nanos,
    late_events: Math.max(0, completed - warmFrom), late_nanos: Number(ended - warmAt),
    misp_ms_per_request: mispRequests ? Math.round(mispNanos / mispRequests / 1e4) / 100 : 0 };
  if (opt.report) writeFileSync(opt.report, JSON.stringify(report) + '\n');
  else process.stdout.write(JSON.stringify(report) + '\n');
}

await main();
