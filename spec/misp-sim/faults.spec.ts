// The admin endpoint's faults, each observed as a client sees it over real HTTP, and the
// request statistics specs use to count what a client did.
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { searchAttributes, startMispSim, type SimProcess } from './sim-process.js';

let sim: SimProcess;

beforeAll(async () => {
  sim = await startMispSim({ events: ['pymisp-long_event-asert-four-element-sword.json'] });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  await sim.admin('/_sim/faults', { mode: 'none' });
});

/** A raw request, reporting whether the body arrived complete (fetch hides some of this). */
function rawPost(path: string, body: unknown, key: string): Promise<{ status: number; text: string; complete: boolean; declared: number }> {
  const url = new URL(sim.url + path);
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'POST', headers: { Authorization: key, Accept: 'application/json', 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        const done = (complete: boolean): void =>
          resolve({ status: res.statusCode ?? 0, text, complete, declared: Number(res.headers['content-length'] ?? -1) });
        res.on('end', () => done(res.complete));
        res.on('error', () => done(false));
        res.on('aborted', () => done(false));
      },
    );
    req.on('error', () => resolve({ status: 0, text: '', complete: false, declared: -1 }));
    req.end(JSON.stringify(body));
  });
}

describe('faults', () => {
  it('error500 answers MISP\'s internal error body, then `times` switches it off', async () => {
    expect(await sim.admin('/_sim/faults', { mode: 'error500', times: 2 })).toMatchObject({ mode: 'error500', times: 2 });
    for (let n = 0; n < 2; n++) {
      const res = await sim.api('/attributes/restSearch', {});
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ name: expect.any(String), message: expect.any(String), url: '/attributes/restSearch' });
    }
    expect((await sim.api('/attributes/restSearch', {})).status).toBe(200);
    expect(await sim.admin('/_sim/faults')).toMatchObject({ mode: 'none' });
  });

  it('auth rejects the right key with 403 and MISP\'s authentication body', async () => {
    await sim.admin('/_sim/faults', { mode: 'auth', times: 1 });
    const res = await sim.api('/servers/getVersion');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/^Authentication failed/);
    expect((await sim.api('/servers/getVersion')).status).toBe(200);
  });

  it('truncated declares the full length, sends part of it and drops the connection', async () => {
    await sim.admin('/_sim/faults', { mode: 'truncated', times: 1 });
    const r = await rawPost('/attributes/restSearch', {}, sim.apiKey);
    expect(r.status).toBe(200);
    expect(r.complete).toBe(false);
    expect(Buffer.byteLength(r.text)).toBeLessThan(r.declared);
    expect(() => JSON.parse(r.text)).toThrow();
    await expect(sim.api('/attributes/restSearch', {}).then((x) => x.status)).resolves.toBe(200);
  });

  it('truncated makes fetch fail while reading the body', async () => {
    await sim.admin('/_sim/faults', { mode: 'truncated', times: 1 });
    const res = await sim.api('/attributes/restSearch', {});
    await expect(res.text()).rejects.toThrow();
  });

  it('malformed sends a complete 200 whose body is not JSON (a PHP fatal error mid-output)', async () => {
    await sim.admin('/_sim/faults', { mode: 'malformed', times: 1 });
    const r = await rawPost('/attributes/restSearch', {}, sim.apiKey);
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(r.text.startsWith('{"response":{"Attribute":[')).toBe(true);
    expect(r.text).toContain('Fatal error');
    expect(() => JSON.parse(r.text)).toThrow(SyntaxError);
  });

  it('slow holds the answer for delay_ms, so a client with a shorter timeout gives up', async () => {
    // The delay is far longer than the client's patience, so the outcome does not depend on
    // how fast this machine is.
    await sim.admin('/_sim/faults', { mode: 'slow', delay_ms: 60_000, times: 1 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    // A client with a shorter timeout gives up; the fault is consumed by that request.
    const aborted = await fetch(sim.url + '/servers/getVersion', {
      headers: { Authorization: sim.apiKey, Accept: 'application/json' },
      signal: controller.signal,
    }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    clearTimeout(timer);
    expect(aborted).toBe('AbortError');
    expect((await sim.api('/servers/getVersion')).status).toBe(200);
  });

  it('slow still answers correctly once the delay has passed', async () => {
    await sim.admin('/_sim/faults', { mode: 'slow', delay_ms: 20, times: 1 });
    const slow = await searchAttributes(sim, { type: 'md5' });
    const normal = await searchAttributes(sim, { type: 'md5' });
    expect(slow.attrs.length).toBeGreaterThan(0);
    expect(slow).toEqual(normal);
  });

  it('paths limits a fault to some endpoints', async () => {
    await sim.admin('/_sim/faults', { mode: 'error500', paths: ['/events/'] });
    expect((await sim.api('/events/index', {})).status).toBe(500);
    expect((await sim.api('/attributes/restSearch', {})).status).toBe(200);
    expect(await sim.admin('/_sim/faults')).toMatchObject({ mode: 'error500', paths: ['/events/'], times: null });
  });

  it('rejects an unknown mode with 400', async () => {
    const res = await fetch(sim.url + '/_sim/faults', { method: 'POST', body: JSON.stringify({ mode: 'explode' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('mode must be one of') });
  });
});

describe('stats', () => {
  it('counts requests per path and per status', async () => {
    await sim.admin('/_sim/stats/reset', {});
    await searchAttributes(sim, { limit: 10, page: 1 });
    await searchAttributes(sim, { limit: 10, page: 2 });
    await sim.api('/events/view/424242');
    await fetch(sim.url + '/servers/getVersion', { headers: { Accept: 'application/json', Authorization: 'nope' } });
    const stats = (await sim.admin('/_sim/stats')) as { total: number; by_path: Record<string, number>; by_status: Record<string, number>; by_path_status: Record<string, Record<string, number>> };
    expect(stats.total).toBe(4);
    expect(stats.by_path['/attributes/restSearch']).toBe(2);
    expect(stats.by_status).toEqual({ '200': 2, '404': 1, '403': 1 });
    expect(stats.by_path_status['/servers/getVersion']).toEqual({ '403': 1 });
  });
});
