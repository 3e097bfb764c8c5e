// A MISP that misbehaves on purpose, for the specs that hold the agent and the plugin to their
// bounds. It sits in front of a real misp-sim and forwards to it, except where its current mode
// says otherwise: ignoring `page`, an answer that never ends, headers and then silence, a body
// that reflects the caller's key, an empty list with a 200, or a slow answer. Only what a broken
// or hostile server could really send over HTTP; the spec switches modes between cycles.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type HostileMode =
  | 'pass'
  /** MISP ignores `page`: every listing request gets page 1's answer. */
  | 'same-page'
  /** 200, JSON headers, then a body that never ends. */
  | 'endless-body'
  /** 200, JSON headers, then nothing at all. */
  | 'headers-then-silence'
  /** 200 with a non-JSON body that quotes the Authorization header back. */
  | 'reflect-key'
  /** 200 with an empty attribute list (and the events listing forwarded). */
  | 'empty-list'
  /** Every answer forwarded after a delay (delayMs). */
  | 'slow';

export interface HostileMisp {
  url: string;
  mode: HostileMode;
  delayMs: number;
  /** Requests seen per path. */
  requests: Map<string, number>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function forward(upstream: string, req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
  const headers: Record<string, string> = {};
  // Hop-by-hop headers stay here (the JDK's HttpClient offers an h2c upgrade on plain http).
  const hopByHop = ['host', 'content-length', 'connection', 'upgrade', 'http2-settings', 'keep-alive', 'te', 'trailer', 'transfer-encoding'];
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !hopByHop.includes(k)) headers[k] = v;
  const answer = await fetch(upstream + (req.url ?? '/'), {
    method: req.method,
    headers,
    ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: text }),
  });
  const out = Buffer.from(await answer.arrayBuffer());
  const copy: Record<string, string> = {};
  answer.headers.forEach((v, k) => {
    if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k)) copy[k] = v;
  });
  res.writeHead(answer.status, { ...copy, 'content-length': String(out.length) }).end(out);
}

const LISTINGS = new Set(['/attributes/restSearch', '/events/index', '/events/restSearch']);

export async function startHostileMisp(upstream: string, mode: HostileMode = 'pass'): Promise<HostileMisp> {
  const sockets = new Set<import('node:net').Socket>();
  const state: HostileMisp = { url: '', mode, delayMs: 0, requests: new Map(), close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    state.requests.set(path, (state.requests.get(path) ?? 0) + 1);
    const text = await body(req);
    try {
      switch (state.mode) {
        case 'same-page': {
          if (LISTINGS.has(path) && text) {
            const parsed = JSON.parse(text) as Record<string, unknown>;
            if ('page' in parsed) parsed.page = 1;
            await forward(upstream, req, res, JSON.stringify(parsed));
            return;
          }
          break;
        }
        case 'endless-body': {
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          res.write('{"response":{"Attribute":[');
          const pump = () => {
            while (!res.destroyed && res.write(chunk)) {
              /* fill the socket buffer */
            }
            if (!res.destroyed) res.once('drain', pump);
          };
          pump();
          return;
        }
        case 'headers-then-silence':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.flushHeaders();
          return;
        case 'reflect-key': {
          const key = String(req.headers.authorization ?? '');
          res.writeHead(200, { 'content-type': 'text/html' }).end(`<html>${key} is not a valid key; did you mean ${key.slice(0, 10)}...?</html>`);
          return;
        }
        case 'empty-list':
          if (path === '/attributes/restSearch') {
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"response":{"Attribute":[]}}');
            return;
          }
          break;
        case 'slow':
          await new Promise((r) => setTimeout(r, state.delayMs));
          break;
        default:
          break;
      }
      await forward(upstream, req, res, text);
    } catch (err) {
      if (!res.headersSent) res.writeHead(502).end(String(err));
      else res.destroy();
    }
  });
  server.on('connection', (s) => {
    s.on('error', () => undefined);
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  state.url = `http://127.0.0.1:${addr.port}`;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
