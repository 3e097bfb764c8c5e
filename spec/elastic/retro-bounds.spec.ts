// The retro-hunt's bounds and its secured engine, on a real OpenSearch: an indicator that 1,000,000
// past events carry stops at --retro-max-hits, counted and logged, without keeping the other
// indicators of its batch from being hunted; and an engine behind TLS with a private CA that
// demands credentials (basic authentication, an Elasticsearch API key) is reached with them, never
// printed, and refuses wrong ones with a coded, retried error.
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../agent/ops/errors.js';
import { huntKeys, HUNT_MARKER } from '../../plugin/core/ioc/index.js';
import { listenOnLoopback, until, writeEvent } from '../agent/support/harness.js';
import { useAgentWorld } from '../agent/support/world.js';
import { issueCert, makeCa } from '../support/pki.js';
import { osRequest, prepareLauncher, startOpenSearch, type OpenSearchNode } from '../../tools/opensearch.js';
import { alertsByPair, installTemplates } from './support/retro.js';

type Json = Record<string, any>;
const HOT_IP = '203.0.113.5';
const COLD_IP = '203.0.113.6';
const MILLION = 1_000_000;
const uuid = (n: number) => `e9900000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const event = (id: string, attributes: Json[]) => {
  const now = String(Math.floor(Date.now() / 1000));
  return { Event: { id, uuid: uuid(Number(id)), info: `bounds ${id}`, published: true, threat_level_id: '2', timestamp: now, publish_timestamp: now, Attribute: attributes.map((a) => ({ ...a, timestamp: now, category: 'Network activity', to_ids: true })) } };
};

describe('the retro-hunt\'s bounds and its secured engine (real OpenSearch)', () => {
  let node: OpenSearchNode;

  beforeAll(async () => {
    expect(prepareLauncher()).toBeNull();
    node = await startOpenSearch();
    await installTemplates(node.url);
    // 1,000,000 small firewall events with the hot address, written with retro_keys, over 20
    // days, and a few with another address: one index, bulk-loaded without refreshes.
    await osRequest(node.url, 'PUT', '/misp-enrich-bounds', { settings: { number_of_replicas: 0, refresh_interval: '-1' } });
    const [hot, cold] = [HOT_IP, COLD_IP].map((ip) => [HUNT_MARKER, ...huntKeys('ip', ip)!]);
    const start = Date.now() - 20 * 86_400_000;
    for (let from = 0; from < MILLION; from += 10_000) {
      let body = '';
      for (let i = from; i < from + 10_000; i++) {
        const ip = i % 100_000 === 7 ? COLD_IP : HOT_IP;
        body += `{"index":{"_id":"${i}"}}\n${JSON.stringify({ '@timestamp': new Date(start + i * 1500).toISOString(), event: { dataset: 'firewall' }, source: { ip }, misp_enrich: { keys: ip === HOT_IP ? hot : cold } })}\n`;
      }
      const r = await osRequest<Json>(node.url, 'POST', '/misp-enrich-bounds/_bulk', body, true);
      expect(r.errors).toBe(false);
    }
    await osRequest(node.url, 'PUT', '/misp-enrich-bounds/_settings', { index: { refresh_interval: '1s' } });
    await osRequest(node.url, 'POST', '/misp-enrich-bounds/_refresh');
  }, 600_000);

  afterAll(async () => {
    await node?.stop();
  });

  describe('--retro-max-hits', () => {
    const world = useAgentWorld({ data: (dir) => writeEvent(dir, 'hot.json', event('9901', [{ uuid: uuid(1), type: 'ip-src', value: HOT_IP }, { uuid: uuid(2), type: 'ip-src', value: COLD_IP }])) });

    it('stops an indicator 1,000,000 past events carry at the cap, counted and logged, and still hunts the other indicators of its batch', async () => {
      const count = await osRequest<Json>(node.url, 'POST', '/misp-enrich-bounds/_count', { query: { term: { 'source.ip': HOT_IP } } });
      expect(count.count).toBeGreaterThanOrEqual(MILLION - 10);
      const r = await world.once(['--retro-url', node.url, '--retro-backfill', '--retro-rate', '1000', '--retro-indices', 'misp-enrich-bounds', '--retro-alerts-index', 'retro-cap']);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      const summary = (JSON.parse(r.stdout) as Json).retro;
      expect(summary).toMatchObject({ capped: 1, queued: 0, alerts: 10_000 + 10 });
      const { byPair } = await alertsByPair(node.url, 'retro-cap');
      const perAttribute = (u: string) => [...byPair.keys()].filter((k) => k.endsWith(u)).length;
      expect(perAttribute(uuid(1))).toBe(10_000);
      // The other indicator of the batch, hunted again without the capped one.
      expect(perAttribute(uuid(2))).toBe(10);
      expect(summary.requeued).toBe(1);
      // Far fewer events read than the hot indicator has: the scan stopped at the cap.
      expect(summary.candidates).toBeLessThan(50_000);
      const capLine = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json).find((l) => l.code === ErrorCodes.RETRO_CAP);
      expect(capLine).toMatchObject({ level: 'warn', attribute: uuid(1), alerts: 10_000 });
      expect(capLine!.msg).toContain(HOT_IP);
    });
  });

  describe('an engine behind TLS that demands credentials', () => {
    const world = useAgentWorld({ data: (dir) => writeEvent(dir, 'cold.json', event('9902', [{ uuid: uuid(3), type: 'ip-src', value: COLD_IP }])) });
    const PASSWORD = 'retro-spec-password-5c1f0e27';
    const API_KEY_ENCODED = Buffer.from('spec-id:retro-spec-api-key-9d2a').toString('base64');
    let front: Server;
    let frontUrl = '';
    const seen: string[] = [];
    const file = (name: string, content: string) => {
      const path = join(world.workDir, name);
      writeFileSync(path, `${content}\n`, { mode: 0o600 });
      return path;
    };

    beforeAll(async () => {
      makeCa(world.workDir, 'retro spec CA');
      issueCert(world.workDir, 'es', { cn: '127.0.0.1', san: 'IP:127.0.0.1' });
      const target = new URL(node.url);
      const accepted = new Set([`Basic ${Buffer.from(`hunter:${PASSWORD}`).toString('base64')}`, `ApiKey ${API_KEY_ENCODED}`]);
      // A secured cluster's front: TLS, and 401 without one of the accepted credentials.
      front = createHttpsServer({ key: readFileSync(join(world.workDir, 'es.key')), cert: readFileSync(join(world.workDir, 'es.pem')) }, (req: IncomingMessage, res: ServerResponse) => {
        const auth = req.headers.authorization ?? '';
        seen.push(auth.split(' ')[0] ?? '');
        if (!accepted.has(auth)) {
          res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="security"' }).end(JSON.stringify({ error: { type: 'security_exception', reason: 'unable to authenticate user' }, status: 401 }));
          return;
        }
        const headers = { ...req.headers };
        delete headers.authorization;
        const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        });
        req.pipe(up);
      });
      frontUrl = `https://127.0.0.1:${await listenOnLoopback(front)}`;
    });

    afterAll(() => {
      front?.closeAllConnections?.();
      front?.close();
    });

    it.each([
      ['basic authentication', () => ['--retro-user', 'hunter', '--retro-password-file', file('password', PASSWORD)], 'Basic', 'retro-basic'],
      ['an Elasticsearch API key', () => ['--retro-api-key-file', file('api-key', API_KEY_ENCODED)], 'ApiKey', 'retro-apikey'],
    ])('hunts through it with %s and its CA, never printing the secret', async (_what, credentials, scheme, index) => {
      seen.length = 0;
      const r = await world.once(['--retro-url', frontUrl, '--retro-ca-file', join(world.workDir, 'ca.pem'), ...credentials(), '--retro-backfill',
        '--retro-indices', 'misp-enrich-bounds', '--retro-alerts-index', index]);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      expect((JSON.parse(r.stdout) as Json).retro).toMatchObject({ alerts: 10, queued: 0 });
      expect(new Set(seen)).toEqual(new Set([scheme]));
      expect((await alertsByPair(node.url, index)).total).toBe(10);
      for (const secret of [PASSWORD, API_KEY_ENCODED, 'retro-spec-api-key']) expect(r.stdout + r.stderr).not.toContain(secret);
    });

    it('refuses a wrong password with MISP_ENRICH_AGENT_RETRO_AUTH, retried and never printed; and an unknown CA with a hint', async () => {
      const wrong = 'not-the-password-3e8b';
      const agent = await world.startAgent({ args: ['--retro-url', frontUrl, '--retro-ca-file', join(world.workDir, 'ca.pem'), '--retro-user', 'hunter', '--retro-password-file', file('wrong', wrong), '--retro-backfill'] });
      await until('a refused hunt', async () => (await agent.metric('retro_errors_total', { code: ErrorCodes.RETRO_AUTH })) > 0, 60_000);
      expect(await agent.metric('retro_queue')).toBeGreaterThan(0);
      const refused = agent.logs().find((l) => l.code === ErrorCodes.RETRO_AUTH)!;
      expect(refused.msg).toContain('HTTP 401');
      expect(agent.err.join('\n') + (await agent.metricsText()) + JSON.stringify((await agent.health()).body)).not.toContain(wrong);
      await agent.kill();

      const untrusted = await world.startAgent({ args: ['--retro-url', frontUrl, '--retro-user', 'hunter', '--retro-password-file', file('password', PASSWORD), '--retro-backfill'] });
      await until('a TLS failure', async () => (await untrusted.metric('retro_errors_total', { code: ErrorCodes.RETRO_UNREACHABLE })) > 0, 90_000);
      const tls = untrusted.logs().find((l) => l.code === ErrorCodes.RETRO_UNREACHABLE)!;
      expect(tls.msg).toContain('--retro-ca-file');
      expect(untrusted.err.join('\n')).not.toContain(PASSWORD);
    });
  });
});
