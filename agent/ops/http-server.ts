// The operational endpoints: /healthz (JSON, 200 when the last sync cycle succeeded, 503 with a
// reason otherwise) and /metrics (Prometheus text). Nothing else is served. Both answers pass
// through the logger's redactor: no piece of the API key leaves through them either.
import { createServer, type Server } from 'node:http';
import { AgentError, ErrorCodes } from './errors.js';
import type { Metrics } from './metrics.js';
import type { Redactor } from './redact.js';

export interface Health {
  ok: boolean;
  [field: string]: unknown;
}

export async function startOpsServer(
  listen: { host: string; port: number },
  metrics: Metrics,
  health: () => Health,
  redactor: Redactor,
): Promise<{ server: Server; address: string }> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      let text: string;
      try {
        text = await metrics.render();
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${redactor.redact((err as Error).message)}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': metrics.contentType }).end(redactor.redact(text));
    } else if (path === '/healthz') {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(redactor.redact(JSON.stringify(h)) + '\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new AgentError(ErrorCodes.METRICS_LISTEN, `cannot listen on ${listen.host}:${listen.port} for metrics: ${err.message}`)));
    server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = server.address();
  const address = typeof addr === 'object' && addr ? `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}` : String(addr);
  return { server, address };
}
