// TLS to MISP as Logstash's own plugins do it: verification on by default, the trusted
// authorities replaceable with ssl_certificate_authorities, ssl_verification_mode => none as the
// explicit opt-out, a client certificate, the protocols offered, and an HTTP proxy that tunnels
// TLS with CONNECT. Real certificates (openssl) and real TLS servers in front of misp-sim; run on
// the stand-in (spec/plugin-java) and on Logstash's classes under both class-loading modes
// (spec/logstash-real).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tunnel } from '../support/connect-proxy.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { issueCert, makeCa } from '../support/pki.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { seed } from '../plugin-java/harness.js';
import type { FilterPipeline } from './pipeline.js';

export function mispTlsSuite(pipeline: FilterPipeline): void {
  let dir = '';
  const issue = (name: string, san: string, usage = 'serverAuth') => issueCert(dir, name, { cn: name, san, usage });

  let mc: MemcachedProcess;
  let sim: SimProcess;
  const servers: Server[] = [];
  let goodUrl = '';
  let wrongHostUrl = '';
  let clientCertUrl = '';
  let tls13Url = '';
  let proxyUrl = '';
  let tunnels = 0;
  let forwarded = 0;

  /** A TLS server that hands each request to the MISP simulator and its answer back. */
  async function tlsFront(cert: string, tls: Record<string, unknown> = {}): Promise<string> {
    const server = createServer({ key: readFileSync(join(dir, `${cert}.key`)), cert: readFileSync(join(dir, `${cert}.pem`)), ...tls }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const upstream = await fetch(sim.url + req.url, {
          method: req.method,
          headers: { authorization: String(req.headers.authorization ?? ''), accept: 'application/json', 'content-type': 'application/json' },
          body: chunks.length ? Buffer.concat(chunks) : undefined,
        });
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    return `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  beforeAll(async () => {
    pipeline.assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'misp-enrich-tls-'));
    makeCa(dir, 'misp-enrich test CA', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign']);
    issue('good', 'IP:127.0.0.1');
    issue('wronghost', 'DNS:misp.elsewhere.test');
    mc = await startMemcached();
    sim = await startMispSim({ events: ['misp-tests-event-regin.json'] });
    await seed(mc.address, entriesFor([attribute('ip-dst', '203.0.113.60', { event_id: '750', event_info: 'stored summary info' })]));
    goodUrl = await tlsFront('good');
    wrongHostUrl = await tlsFront('wronghost');
    issue('logstash', 'DNS:logstash.test', 'clientAuth');
    clientCertUrl = await tlsFront('good', { requestCert: true, rejectUnauthorized: true, ca: readFileSync(join(dir, 'ca.pem')) });
    tls13Url = await tlsFront('good', { minVersion: 'TLSv1.3' });
    // An HTTP proxy, as enterprise networks put in front of MISP: CONNECT for https, and a
    // request in absolute form (http://host:port/path) forwarded as it is for http.
    const proxy = createHttpServer((req, res) => {
      if (!/^http:\/\//.test(String(req.url))) {
        res.writeHead(405).end();
        return;
      }
      forwarded++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const upstream = await fetch(String(req.url), {
          method: req.method,
          headers: { authorization: String(req.headers.authorization ?? ''), accept: 'application/json', 'content-type': 'application/json' },
          body: chunks.length ? Buffer.concat(chunks) : undefined,
        });
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      });
    });
    proxy.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      tunnels++;
      tunnel(req, socket, head);
    });
    servers.push(proxy as unknown as Server);
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    for (const s of servers) s.close();
    await sim?.stop();
    await mc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const event = { '@timestamp': '2026-01-02T03:04:05.678Z', destination: { ip: '203.0.113.60' } };
  const settings = (over: Record<string, unknown>) => ({ memcached_hosts: [mc.address], misp_api_key: sim.apiKey, ...over });
  const description = (r: { events: Record<string, any>[] }) => r.events[0]!.threat.enrichments[0].indicator.description;

  describe('TLS to MISP', () => {
    it('refuses a certificate from an authority the JVM does not trust (verification on by default)', async () => {
      const r = await pipeline.run({ settings: settings({ misp_url: goodUrl }), events: [event] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.tags).toEqual(['_misp_enrich_fetch_failure']);
      expect(description(r)).toBe('stored summary info');
      expect(r.stderr).toContain('MISP_ENRICH_FETCH');
    });

    it('trusts the authorities named in ssl_certificate_authorities', async () => {
      const r = await pipeline.run({ settings: settings({ misp_url: goodUrl, ssl_certificate_authorities: [join(dir, 'ca.pem')] }), events: [event] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.tags).toBeUndefined();
      expect(description(r)).toBe('OSINT - F-Secure W32/Regin, Stage #1');
    });

    it('checks the host name even when the authority is trusted', async () => {
      const r = await pipeline.run({ settings: settings({ misp_url: wrongHostUrl, ssl_certificate_authorities: [join(dir, 'ca.pem')] }), events: [event] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.tags).toEqual(['_misp_enrich_fetch_failure']);
    });

    it('verifies nothing with ssl_verification_mode => none, and warns about it', async () => {
      const r = await pipeline.run({ settings: settings({ misp_url: wrongHostUrl, ssl_verification_mode: 'none' }), events: [event] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.tags).toBeUndefined();
      expect(description(r)).toBe('OSINT - F-Secure W32/Regin, Stage #1');
      expect(r.stderr).toContain('ssl_verification_mode => none');
    });
  });

  describe('client certificates, protocols and proxy (Logstash\'s ssl_* and proxy options)', () => {
    const trusted = (over: Record<string, unknown>) => settings({ ssl_certificate_authorities: [join(dir, 'ca.pem')], ...over });

    it('presents ssl_certificate and ssl_key to a MISP that requires a client certificate', async () => {
      const without = await pipeline.run({ settings: trusted({ misp_url: clientCertUrl }), events: [event] });
      expect(without.events[0]!.tags).toEqual(['_misp_enrich_fetch_failure']);
      const r = await pipeline.run({
        settings: trusted({ misp_url: clientCertUrl, ssl_certificate: join(dir, 'logstash.pem'), ssl_key: join(dir, 'logstash.key') }),
        events: [event],
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.tags).toBeUndefined();
      expect(description(r)).toBe('OSINT - F-Secure W32/Regin, Stage #1');
    });

    it('offers only ssl_supported_protocols', async () => {
      const old = await pipeline.run({ settings: trusted({ misp_url: tls13Url, ssl_supported_protocols: ['TLSv1.2'] }), events: [event] });
      expect(old.events[0]!.tags).toEqual(['_misp_enrich_fetch_failure']);
      const r = await pipeline.run({ settings: trusted({ misp_url: tls13Url, ssl_supported_protocols: ['TLSv1.3'] }), events: [event] });
      expect(r.events[0]!.tags).toBeUndefined();
    });

    it('reaches MISP through the proxy, tunnelling TLS with CONNECT', async () => {
      const before = tunnels;
      const r = await pipeline.run({ settings: trusted({ misp_url: goodUrl, proxy: proxyUrl }), events: [event] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.tags).toBeUndefined();
      expect(description(r)).toBe('OSINT - F-Secure W32/Regin, Stage #1');
      expect(tunnels).toBe(before + 1);
    });

    it('reaches an http MISP through the proxy, in absolute form', async () => {
      const before = forwarded;
      const r = await pipeline.run({ settings: settings({ misp_url: sim.url, proxy: proxyUrl }), events: [event] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]!.tags).toBeUndefined();
      expect(description(r)).toBe('OSINT - F-Secure W32/Regin, Stage #1');
      expect(forwarded).toBe(before + 1);
    });
  });
}
