// A memcached that lies, for the specs of the plugin's bounds: it speaks just enough of the meta
// protocol (mg ... v q O<n>, mn) to answer a multi-get, and announces a value of any size it is
// told to for one key, then stops sending (no real server would; a broken or hostile one might).
// Everything else is a miss. No real memcached can be made to do this, hence the fake.
import { createServer, type Server, type Socket } from 'node:net';

export interface FakeMemcached {
  address: string;
  /** Keys answered with "VA <size>" and nothing after it. */
  hugeValues: Map<string, number>;
  /** Keys answered with this value. */
  values: Map<string, string>;
  close(): Promise<void>;
}

export async function startFakeMemcached(): Promise<FakeMemcached> {
  const sockets = new Set<Socket>();
  const fake: FakeMemcached = { address: '', hugeValues: new Map(), values: new Map(), close: async () => {} };
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    // The client hangs up on a value it refuses: a reset is the expected end, not an error.
    sock.on('error', () => undefined);
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (line === 'mn') {
          sock.write('MN\r\n');
          continue;
        }
        const m = /^mg (\S+) .*?(O\d+)/.exec(line);
        if (!m) continue;
        const [, key, opaque] = m;
        const huge = fake.hugeValues.get(key!);
        if (huge !== undefined) {
          sock.write(`VA ${huge} ${opaque}\r\n`);
          continue;
        }
        const v = fake.values.get(key!);
        if (v !== undefined) sock.write(`VA ${Buffer.byteLength(v)} ${opaque}\r\n${v}\r\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  fake.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return fake;
}
