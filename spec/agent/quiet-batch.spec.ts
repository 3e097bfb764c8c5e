// The agent's write batches (agent/store/quiet-batch.ts) against a real memcached: what memjs and
// the filter read back is what was sent, deletes of absent keys are no failure, an item over the
// server's -I limit is refused alone. Against broken servers (a socket that never answers, one
// that answers garbage, one that hangs up), a batch fails within its timeout instead of hanging.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchConnection, encodeBatch, STATUS_TOO_LARGE } from '../../agent/store/quiet-batch.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { listenOnLoopback } from './support/harness.js';
import { Reader } from './support/reader.js';

describe('write batches in the binary protocol (real memcached)', () => {
  let mc: MemcachedProcess;
  let reader: Reader;
  let conn: BatchConnection;
  beforeAll(async () => {
    mc = await startMemcached({ extraArgs: ['-I', '1m'] });
    reader = new Reader(mc.address);
    conn = new BatchConnection('127.0.0.1', mc.port, 2);
  });
  afterAll(async () => {
    conn.close();
    reader.close();
    await mc.stop();
  });

  it('sets and deletes what it is given, in UTF-8, and answers once the server has read the batch', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `me1:domain:batch-${i}.example`);
    const values = keys.map((k, i) => `{"v":1,"k":"${k}","é":"${'ü'.repeat(i % 50)}"}`);
    expect(await conn.send(encodeBatch(keys, values, 600))).toEqual(new Map());
    for (const i of [0, 1, 2499, 4999]) expect(await reader.get(keys[i]!)).toBe(values[i]);
    // Deleting present and absent keys: none of them is a refusal.
    const gone = [keys[0]!, keys[1]!, 'me1:domain:never-there.example'];
    expect(await conn.send(encodeBatch(gone, [null, null, null], 600))).toEqual(new Map());
    expect(await reader.get(keys[0]!)).toBeNull();
    expect(await reader.get(keys[2]!)).toBe(values[2]);
  });

  it('has an item over the server\'s item size limit refused alone', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const refused = await conn.send(encodeBatch(['me1:domain:a.example', 'me1:domain:big.example', 'me1:domain:c.example'], ['a', big, 'c'], 600));
    expect(refused).toEqual(new Map([[1, STATUS_TOO_LARGE]]));
    expect(await reader.get('me1:domain:a.example')).toBe('a');
    expect(await reader.get('me1:domain:c.example')).toBe('c');
  });
});

describe('write batches against broken servers', () => {
  const servers: Server[] = [];
  async function broken(onData: (sock: import('node:net').Socket) => void): Promise<number> {
    const server = createServer((sock) => sock.on('data', () => onData(sock)));
    servers.push(server);
    return listenOnLoopback(server as unknown as import('node:http').Server);
  }
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('fails a batch the server never answers, at its timeout', async () => {
    const port = await broken(() => undefined);
    const conn = new BatchConnection('127.0.0.1', port, 1);
    await expect(conn.send(encodeBatch(['k'], ['v'], 60))).rejects.toThrow(/timed out after 1 s/);
    conn.close();
  });

  it('fails a batch answered with something other than the binary protocol', async () => {
    const port = await broken((sock) => sock.write('ERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n'));
    const conn = new BatchConnection('127.0.0.1', port, 5);
    await expect(conn.send(encodeBatch(['k'], ['v'], 60))).rejects.toThrow(/malformed reply/);
    conn.close();
  });

  it('fails a batch when the server hangs up, and connects again for the next one', async () => {
    let calls = 0;
    const port = await broken((sock) => {
      calls++;
      sock.destroy();
    });
    const conn = new BatchConnection('127.0.0.1', port, 5);
    await expect(conn.send(encodeBatch(['k'], ['v'], 60))).rejects.toThrow(/closed/);
    await expect(conn.send(encodeBatch(['k'], ['v'], 60))).rejects.toThrow(/closed/);
    expect(calls).toBe(2);
    conn.close();
  });

  it('fails at once when nothing listens', async () => {
    const port = await broken(() => undefined);
    servers.pop()!.close();
    const conn = new BatchConnection('127.0.0.1', port, 5);
    await expect(conn.send(encodeBatch(['k'], ['v'], 60))).rejects.toThrow(/ECONNREFUSED/);
  });
});
