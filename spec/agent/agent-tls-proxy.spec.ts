// TLS and proxy, at the client level: MISP behind a real HTTPS front (a self-signed CA made with
// openssl for this run, forwarding to misp-sim), and a real CONNECT proxy. Verification is on by
// default, --ca-file trusts a private CA, --insecure works but says so, --proxy tunnels.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, listenOnLoopback } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

describe('misp-enrich-agent TLS and proxy', () => {
  const world = useAgentWorld({ data: ['event-every-type.json'] });
  let https: Server;
  let proxy: Server;
  let httpsUrl = '';
  let proxyUrl = '';
  const tunnels: string[] = [];
  /** --once against MISP behind the HTTPS front. */
  const viaHttps = (...args: string[]) => world.once(args, { mispUrl: httpsUrl });
  /** The run's certificates and keys, in the world's scratch folder. */
  const pki = (name: string) => join(world.workDir, name);

  beforeAll(async () => {
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: world.workDir, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=misp-enrich spec CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'misp.key', '-out', 'misp.csr', '-subj', '/CN=127.0.0.1');
    execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > ext.cnf'], { cwd: world.workDir });
    ssl('x509', '-req', '-in', 'misp.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'misp.pem', '-days', '2', '-extfile', 'ext.cnf');
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
    // A CONNECT proxy, as enterprise networks put in front of MISP.
    proxy = createHttpServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const up = connect(Number(port), host!, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    proxyUrl = `http://127.0.0.1:${await listenOnLoopback(proxy)}`;
  });

  afterAll(() => {
    https?.closeAllConnections?.();
    https?.close();
    proxy?.close();
  });

  it('refuses a certificate it cannot verify, by default', async () => {
    const r = await viaHttps('--retries', '0');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_MISP_TLS');
    expect(r.stderr).toContain('--ca-file');
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
