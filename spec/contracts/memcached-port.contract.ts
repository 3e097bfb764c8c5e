// The key-value port's contract (testbed/node-host/ports.ts KeyValuePort, the Java shell's
// ports/KeyValuePort): the cases every implementation must pass, written once. Each
// implementation's spec runs memcachedPortContract() with an adapter (spec/node-host/memcached-kv
// for memjs in Node, spec/contracts/memcached-multi-get for the Java client in the packaged jar).
//
// Against a real memcached wherever one can do it; the only stand-in is a server that accepts a
// connection and never answers, which no real memcached can be made to be. No timed assertions:
// the time bound is only held to "the call ends, with a failure" (vitest's timeout catches a hang).
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMemcached, type MemcachedProcess } from '../support/memcached.js';

export interface KvPortConfig {
  /** "host:port" in failover order. */
  hosts: string[];
  /** The bound of one call (memcached_timeout). */
  timeoutMs: number;
  /** The largest value taken (memcached_max_value_bytes). */
  maxValueBytes: number;
}

/** A call's outcome as the contract sees it: the values, or that it failed (with why, for the report). */
export type KvAnswer = { values: (string | null)[] } | { error: string };

export interface KvPortUnderTest {
  getMulti(keys: string[]): Promise<KvAnswer>;
  close(): Promise<void>;
}

export interface KvPortImplementation {
  name: string;
  open(config: KvPortConfig): Promise<KvPortUnderTest>;
}

/** Accepts connections, reads what it is sent, never answers. */
export async function startSilentServer(): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.once('close', () => sockets.delete(sock));
    sock.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Writes entries the way the agent does (memjs, its client). */
async function seed(address: string, entries: Record<string, string>): Promise<void> {
  const client = memjs.Client.create(address, { retries: 0, timeout: 5, logger: { log: () => {} } } as memjs.ClientOptions);
  try {
    await Promise.all(Object.entries(entries).map(([k, v]) => client.set(k, v, { expires: 0 })));
  } finally {
    client.quit();
  }
}

function values(answer: KvAnswer): (string | null)[] {
  if ('error' in answer) throw new Error(`expected values, the call failed: ${answer.error}`);
  return answer.values;
}

function failure(answer: KvAnswer): string {
  if (!('error' in answer)) throw new Error(`expected a failure, got values: ${JSON.stringify(answer.values).slice(0, 200)}`);
  return answer.error;
}

export function memcachedPortContract(impl: KvPortImplementation): void {
  describe(`the key-value port contract: ${impl.name}`, () => {
    let mc: MemcachedProcess;
    // Keys of this run only, so cases never see each other's data.
    const run = randomBytes(4).toString('hex');
    const key = (name: string) => `contract:${run}:${name}`;
    const open: KvPortUnderTest[] = [];
    const openPort = async (config: Partial<KvPortConfig> = {}): Promise<KvPortUnderTest> => {
      const port = await impl.open({ hosts: [mc.address], timeoutMs: 1000, maxValueBytes: 1_048_576, ...config });
      open.push(port);
      return port;
    };

    beforeAll(async () => {
      mc = await startMemcached();
    });
    afterAll(async () => {
      for (const p of open) await p.close();
      await mc?.stop();
    });

    it('answers a multi-get in the order asked: values for present keys, null for missing ones, repeats included', async () => {
      await seed(mc.address, { [key('a')]: 'alpha', [key('c')]: 'gamma' });
      const port = await openPort();
      expect(values(await port.getMulti([key('a'), key('b'), key('c'), key('a')]))).toEqual(['alpha', null, 'gamma', 'alpha']);
      expect(values(await port.getMulti([key('b')]))).toEqual([null]);
    });

    it('answers an empty list of keys with an empty list', async () => {
      const port = await openPort();
      expect(values(await port.getMulti([]))).toEqual([]);
    });

    it('returns values byte for byte: UTF-8 beyond the BMP, CR LF inside a value, JSON', async () => {
      const stored = {
        [key('utf8')]: 'é✓𝄞 日本',
        [key('crlf')]: 'line one\r\nEND\r\nVA 5 O1\r\n',
        [key('json')]: JSON.stringify({ v: 1, a: [['ip-dst', '203.0.113.9']] }),
      };
      await seed(mc.address, stored);
      const port = await openPort();
      expect(values(await port.getMulti(Object.keys(stored)))).toEqual(Object.values(stored));
    });

    it('takes thousands of keys in one call', async () => {
      const entries: Record<string, string> = {};
      const keys = Array.from({ length: 5000 }, (_, i) => key(`many-${i}`));
      keys.forEach((k, i) => {
        if (i % 3 === 0) entries[k] = `value-${i}-${'x'.repeat(i % 200)}`;
      });
      await seed(mc.address, entries);
      const port = await openPort();
      expect(values(await port.getMulti(keys))).toEqual(keys.map((k) => entries[k] ?? null));
    });

    it('returns a value of exactly maxValueBytes, counted in bytes (UTF-8), and refuses one a byte longer; the port stays usable', async () => {
      const atBound = 'é'.repeat(2048); // 4,096 bytes, 2,048 characters
      const pastBound = atBound + 'a';
      await seed(mc.address, { [key('at-bound')]: atBound, [key('past-bound')]: pastBound, [key('small')]: 'small' });
      const port = await openPort({ maxValueBytes: 4096 });
      expect(values(await port.getMulti([key('at-bound')]))).toEqual([atBound]);
      failure(await port.getMulti([key('small'), key('past-bound')]));
      expect(values(await port.getMulti([key('small'), key('at-bound')]))).toEqual(['small', atBound]);
    });

    it('refuses a key memcached cannot take (a space, CR LF, empty, over 250 bytes) before sending anything', async () => {
      await seed(mc.address, { [key('kept')]: 'still here' });
      const port = await openPort();
      for (const bad of [`${key('x')} y`, `${key('x')}\r\nflush_all`, '', key('x') + 'k'.repeat(250), `${key('x')}é`]) {
        failure(await port.getMulti([key('kept'), bad]));
      }
      // Nothing reached the server: the data is still there, and the port still works.
      expect(values(await port.getMulti([key('kept')]))).toEqual(['still here']);
    });

    it('fails over to the next host when the first refuses connections', async () => {
      await seed(mc.address, { [key('failover')]: 'from the second host' });
      const port = await openPort({ hosts: [`127.0.0.1:${await freePort()}`, mc.address], timeoutMs: 500 });
      expect(values(await port.getMulti([key('failover'), key('none')]))).toEqual(['from the second host', null]);
      expect(values(await port.getMulti([key('failover')]))).toEqual(['from the second host']);
    });

    it('fails over to the next host when the first never answers (the time bound)', async () => {
      await seed(mc.address, { [key('stall-failover')]: 'answered' });
      const silent = await startSilentServer();
      try {
        const port = await openPort({ hosts: [silent.address, mc.address], timeoutMs: 500 });
        expect(values(await port.getMulti([key('stall-failover')]))).toEqual(['answered']);
      } finally {
        await silent.close();
      }
    });

    it('fails when no host answers: connections refused', async () => {
      const port = await openPort({ hosts: [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`], timeoutMs: 500 });
      failure(await port.getMulti([key('a')]));
      failure(await port.getMulti([key('a')]));
    });

    it('fails, rather than waits, when the only host never answers', async () => {
      const silent = await startSilentServer();
      try {
        const port = await openPort({ hosts: [silent.address], timeoutMs: 500 });
        failure(await port.getMulti([key('a'), key('b')]));
        failure(await port.getMulti([key('a')]));
      } finally {
        await silent.close();
      }
    });

    it('reconnects after memcached restarts: fails while it is down, answers as soon as it is back', async () => {
      const own = await startMemcached();
      try {
        await seed(own.address, { [key('restart')]: 'before' });
        const port = await openPort({ hosts: [own.address], timeoutMs: 500 });
        expect(values(await port.getMulti([key('restart')]))).toEqual(['before']);
        // A restart: the pooled connection is dead, the server empty.
        await own.restart();
        await seed(own.address, { [key('restart')]: 'after' });
        expect(values(await port.getMulti([key('restart')]))).toEqual(['after']);
        // Down, then back.
        await own.stop();
        failure(await port.getMulti([key('restart')]));
        await own.restart();
        await seed(own.address, { [key('restart')]: 'back' });
        expect(values(await port.getMulti([key('restart')]))).toEqual(['back']);
      } finally {
        await own.stop();
      }
    });
  });
}
