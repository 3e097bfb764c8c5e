// TLS and proxy, at the client level: MISP behind a real HTTPS front (a self-signed CA made with
// openssl for this run, forwarding to misp-sim), and a real CONNECT proxy. Verification is on by
// default, --ca-file trusts a private CA, --insecure works but says so, --proxy tunnels. Each
// failure names the host:port it concerns and gives the hint that fits it: an unknown CA
// (--ca-file), a certificate for other names (which names), an https:// URL on a port that speaks
// plain HTTP, a refused connection.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tunnel } from '../support/connect-proxy.js';
import { freePort } from '../support/memcached.js';
import { issueCert, makeCa } from '../support/pki.js';
import { API_KEY, listenOnLoopback } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

describe('misp-enrich-agent TLS and proxy', () => {
  const world = useAgentWorld({ data: ['event-every-type.json'] });
  let https: Server;
  let otherName: Server;
  let proxy: Server;
  let httpsUrl = '';
  let otherNameUrl = '';
  let proxyUrl = '';
  const tunnels: string[] = [];
  /** --once against MISP behind the HTTPS front. */
  const viaHttps = (...args: string[]) => world.once(args, { mispUrl: httpsUrl });
  /** The run's certificates and keys, in the world's scratch folder. */
  const pki = (name: string) => join(world.workDir, name);

  beforeAll(async () => {
    makeCa(world.workDir, 'misp-enrich spec CA');
    issueCert(world.workDir, 'misp', { cn: '127.0.0.1', san: 'IP:127.0.0.1' });
    const target = new URL(world.sim.url);
    // The HTTPS front forwards every request to the simulator unchanged.
    https = createHttpsServer({ key: readFileSync(pki('misp.key')), cert: readFileSync(pki('misp.pem')) }, (req, res) => {
      const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      req.pipe(up);
    });
    httpsUrl = `https://127.0.0.1:${await listenOnLoopback(https)}`;
    // A certificate from the same CA, for other names than the one the agent connects to.
    issueCert(world.workDir, 'other', { cn: 'misp.example.org', san: 'DNS:misp.example.org,DNS:misp.internal' });
    otherName = createHttpsServer({ key: readFileSync(pki('other.key')), cert: readFileSync(pki('other.pem')) }, (_req, res) => res.writeHead(500).end());
    otherNameUrl = `https://127.0.0.1:${await listenOnLoopback(otherName)}`;
    // A CONNECT proxy, as enterprise networks put in front of MISP.
    proxy = createHttpServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '');
      tunnel(req, socket, head);
    });
    proxyUrl = `http://127.0.0.1:${await listenOnLoopback(proxy)}`;
  });

  afterAll(() => {
    https?.closeAllConnections?.();
    https?.close();
    otherName?.closeAllConnections?.();
    otherName?.close();
    proxy?.close();
  });

  /** The last log line of a failed run: the coded message the administrator reads. */
  const lastError = (stderr: string) => JSON.parse(stderr.trim().split('\n').at(-1)!) as { level: string; code: string; msg: string };

  it('refuses a certificate it cannot verify, by default, naming the server and --ca-file', async () => {
    const r = await viaHttps('--retries', '0');
    expect(r.code).toBe(3);
    const e = lastError(r.stderr);
    expect(e.code).toBe('MISP_ENRICH_AGENT_MISP_TLS');
    expect(e.msg).toContain(new URL(httpsUrl).host);
    expect(e.msg).toContain('--ca-file');
  });

  it('says which names a certificate holds when they are not the host of --misp-url (not --ca-file)', async () => {
    const r = await world.once(['--retries', '0', '--ca-file', pki('ca.pem')], { mispUrl: otherNameUrl });
    expect(r.code).toBe(3);
    const e = lastError(r.stderr);
    expect(e.code).toBe('MISP_ENRICH_AGENT_MISP_TLS');
    expect(e.msg).toContain('misp.example.org, misp.internal');
    expect(e.msg).toContain(`not for 127.0.0.1`);
    expect(e.msg).toContain(new URL(otherNameUrl).host);
    expect(e.msg).not.toContain('--ca-file');
  });

  it('says the port speaks plain HTTP when an https:// URL reaches an HTTP server (not --ca-file)', async () => {
    const plain = new URL(world.sim.url);
    const r = await world.once(['--retries', '0'], { mispUrl: `https://${plain.host}` });
    expect(r.code).toBe(3);
    const e = lastError(r.stderr);
    expect(e.code).toBe('MISP_ENRICH_AGENT_MISP_TLS');
    expect(e.msg).toContain(`${plain.host} does not speak TLS`);
    expect(e.msg).toContain('plain HTTP');
    expect(e.msg).not.toContain('--ca-file');
  });

  it('names host:port when MISP or the proxy refuses the connection, and never the API key', async () => {
    const closed = await freePort();
    let r = await world.once(['--retries', '0'], { mispUrl: `https://127.0.0.1:${closed}` });
    expect(r.code).toBe(3);
    let e = lastError(r.stderr);
    expect(e.code).toBe('MISP_ENRICH_AGENT_MISP_UNREACHABLE');
    expect(e.msg).toContain(`127.0.0.1:${closed} refused the connection`);
    r = await viaHttps('--retries', '0', '--ca-file', pki('ca.pem'), '--proxy', `http://127.0.0.1:${closed}`);
    expect(r.code).toBe(3);
    e = lastError(r.stderr);
    expect(e.code).toBe('MISP_ENRICH_AGENT_MISP_UNREACHABLE');
    expect(e.msg).toContain(`the proxy 127.0.0.1:${closed} refused the connection`);
    expect(r.stdout + r.stderr).not.toContain(API_KEY);
  });

  it('verifies against the CA given with --ca-file', async () => {
    const r = await viaHttps('--ca-file', pki('ca.pem'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).attributes).toBeGreaterThan(20);
    expect(r.stderr).not.toContain('MISP_ENRICH_AGENT_INSECURE_TLS');
  });

  it('connects without verification only with --insecure, and logs a warning', async () => {
    const r = await viaHttps('--insecure');
    expect(r.code).toBe(0);
    const warning = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.code === 'MISP_ENRICH_AGENT_INSECURE_TLS');
    expect(warning).toMatchObject({ level: 'warn' });
  });

  it('tunnels through --proxy, still verifying MISP', async () => {
    const before = tunnels.length;
    const r = await viaHttps('--ca-file', pki('ca.pem'), '--proxy', proxyUrl);
    expect(r.code).toBe(0);
    expect(tunnels.length).toBeGreaterThan(before);
    expect(tunnels.at(-1)).toBe(new URL(httpsUrl).host);
    expect(r.stdout + r.stderr).not.toContain(API_KEY);
  });
});
