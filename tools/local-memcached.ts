// A real memcached process on a free loopback port, for the demo, benchmarks and specs. No mock:
// everything talks to the same server the product talks to in production (Debian's memcached).
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: '127.0.0.1', port }, () => {
        sock.end();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`memcached did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Killed when this process exits, however it exits: a spec or the demo leaves no server behind.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface MemcachedProcess {
  port: number;
  address: string;
  /** Kills the server; restart() brings up an empty one on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startMemcached(opts: { memoryMb?: number; port?: number; extraArgs?: string[] } = {}): Promise<MemcachedProcess> {
  const port = opts.port ?? (await freePort());
  let child: ChildProcess | null = null;
  const launch = async () => {
    const bin = process.env.MEMCACHED_BIN ?? 'memcached';
    // -u root only matters when running as root, where memcached refuses to start without it.
    const c = spawn(bin, ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(opts.memoryMb ?? 64), '-u', 'root', ...(opts.extraArgs ?? [])], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = c;
    live.add(c);
    c.once('exit', () => live.delete(c));
    await new Promise<void>((resolve, reject) => {
      c.once('spawn', resolve);
      c.once('error', (err) =>
        reject(new Error(`cannot start memcached (${bin}): ${err.message}; install it with: apt-get install memcached`)),
      );
    });
    await waitForPort(port);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await launch();
  return { port, address: `127.0.0.1:${port}`, stop, restart: async () => { await stop(); await launch(); } };
}
