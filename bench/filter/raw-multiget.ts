// The physical baseline: the same memcached keys the filter asks for, sent as raw pipelined
// meta-protocol multi-gets (one round trip per batch) from Node, with no enrichment at all.
import { connect, type Socket } from 'node:net';

export interface RawResult {
  batches: number;
  keys: number;
  hits: number;
  nanos: bigint;
}

class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  constructor(sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      const w = this.waiters;
      this.waiters = [];
      w.forEach((f) => f());
    });
  }
  private more(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf('\r\n');
      if (i >= 0) {
        const l = this.buf.subarray(0, i).toString('latin1');
        this.buf = this.buf.subarray(i + 2);
        return l;
      }
      await this.more();
    }
  }
  async bytes(n: number): Promise<Buffer> {
    while (this.buf.length < n) await this.more();
    const b = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return b;
  }
}

/** One `mg <key> v q` per key then `mn`, per batch; waits for MN before the next batch. */
export async function rawMultiGet(port: number, batches: string[][]): Promise<RawResult> {
  const sock = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  const reader = new Reader(sock);
  let keys = 0;
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (const batch of batches) {
    if (batch.length === 0) continue;
    keys += batch.length;
    sock.write(batch.map((k) => `mg ${k} v q\r\n`).join('') + 'mn\r\n');
    for (;;) {
      const l = await reader.line();
      if (l === 'MN') break;
      if (l.startsWith('VA ')) {
        await reader.bytes(Number(l.split(' ')[1]) + 2);
        hits++;
      } else if (!l.startsWith('EN')) {
        throw new Error(`memcached answered ${l}`);
      }
    }
  }
  const nanos = process.hrtime.bigint() - t0;
  sock.destroy();
  return { batches: batches.filter((b) => b.length).length, keys, hits, nanos };
}
