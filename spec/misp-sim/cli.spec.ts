// The command-line contract the agent's specs and the demo rely on, authentication as MISP
// does it, and that the API key never reaches the simulator's output.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIM_BIN, startMispSim } from './sim-process.js';

describe('misp-sim command line', () => {
  it('prints exactly "listening on http://127.0.0.1:PORT" and exits 0 on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const sim = await startMispSim({ events: [] });
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const exited = new Promise<number | null>((r) => sim.child.once('exit', (code) => r(code)));
      sim.child.kill(signal);
      expect(await exited).toBe(0);
      await sim.stop();
    }
  });

  it('rejects bad usage with exit code 2 and a message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'misp-sim-cli-'));
    const cases: [string[], RegExp][] = [
      [['--port', '0', '--api-key', 'k'], /--data is required/],
      [['--data', dir, '--api-key', 'k'], /--port is required/],
      [['--data', dir, '--port', '0'], /--api-key is required/],
      [['--data', dir, '--port', 'x', '--api-key', 'k'], /--port must be an integer/],
      [['--data', join(dir, 'missing'), '--port', '0', '--api-key', 'k'], /is not a directory/],
      [['--data', dir, '--port', '0', '--api-key', 'k', '--bogus', '1'], /unknown option --bogus/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [SIM_BIN, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const help = spawnSync(process.execPath, [SIM_BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: misp-sim --data DIR --port N --api-key KEY');
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails clearly when the port is taken', async () => {
    const sim = await startMispSim({ events: [] });
    try {
      const port = new URL(sim.url).port;
      const dir = mkdtempSync(join(tmpdir(), 'misp-sim-cli-'));
      const child = spawn(process.execPath, [SIM_BIN, '--data', dir, '--port', port, '--api-key', 'k'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      rmSync(dir, { recursive: true, force: true });
      expect(code).toBe(1);
      expect(err).toContain('EADDRINUSE');
    } finally {
      await sim.stop();
    }
  });
});

describe('authentication', () => {
  it('requires the key in Authorization; 403 with MISP\'s body otherwise; never logs the key', async () => {
    const sim = await startMispSim({ events: ['pymisp-sighting_1-ursnif.json'] });
    try {
      const ok = await sim.api('/attributes/restSearch', {});
      expect(ok.status).toBe(200);
      for (const headers of [{ Authorization: '' }, { Authorization: sim.apiKey + 'x' }, { Authorization: sim.apiKey.slice(1) }]) {
        const res = await sim.api('/attributes/restSearch', {}, { headers });
        expect(res.status).toBe(403);
        expect(await res.json()).toEqual({
          name: expect.stringMatching(/^Authentication failed/),
          message: expect.stringMatching(/^Authentication failed/),
          url: '/attributes/restSearch',
        });
      }
      // Not a REST request (no JSON Accept, no .json): MISP's browser flow redirects to login.
      const html = await fetch(sim.url + '/events/index', { headers: { Authorization: sim.apiKey, Accept: 'text/html' }, redirect: 'manual' });
      expect(html.status).toBe(302);
      expect(html.headers.get('location')).toBe('/users/login');
      const ext = await fetch(sim.url + '/servers/getVersion.json', { headers: { Authorization: sim.apiKey } });
      expect(ext.status).toBe(200);
      expect(sim.stderr()).not.toContain(sim.apiKey);
    } finally {
      await sim.stop();
    }
  });
});
