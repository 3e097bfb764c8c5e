// One place where the agent talks HTTP to MISP: the undici dispatcher (TLS verification, CA file,
// proxy), timeouts, JSON bodies, error classification into stable codes, and retry with
// exponential backoff. Error messages name the method, path and status, never headers, so the
// API key cannot leak through them.
import { readFileSync } from 'node:fs';
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';

export interface MispHttpOptions {
  baseUrl: string;
  apiKey: string;
  caFile?: string;
  insecure: boolean;
  proxy?: string;
  timeoutSeconds: number;
  retries: number;
  retryDelaySeconds: number;
  userAgent: string;
  /** The largest response body taken from MISP; a larger one is aborted as it arrives. */
  maxResponseBytes: number;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export class MispHttp {
  private readonly dispatcher: Dispatcher;
  private closed = false;

  constructor(
    private readonly opts: MispHttpOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    let ca: string | undefined;
    if (opts.caFile) {
      try {
        ca = readFileSync(opts.caFile, 'utf8');
      } catch (err) {
        throw new AgentError(ErrorCodes.CONFIG, `cannot read --ca-file ${opts.caFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    if (opts.insecure) {
      log.warn('TLS certificate verification of MISP is off (--insecure): anyone on the path can read the API key and forge indicators', {
        code: ErrorCodes.INSECURE_TLS,
      });
    }
    const tls = { rejectUnauthorized: !opts.insecure, ...(ca ? { ca } : {}) };
    const ms = Math.round(opts.timeoutSeconds * 1000);
    // maxResponseSize: undici aborts a body as soon as it grows past the bound, so an endless or
    // huge answer costs at most that much memory (the text, then its parse).
    const common = { headersTimeout: ms, bodyTimeout: ms, connectTimeout: Math.min(ms, 30_000), keepAliveTimeout: 10_000, maxResponseSize: opts.maxResponseBytes };
    // proxyTunnel false: an http:// MISP goes through the proxy as absolute-form requests, as
    // plain-http proxies expect (many refuse CONNECT to ports other than 443); https:// still
    // tunnels with CONNECT, so TLS to MISP stays end to end.
    this.dispatcher = opts.proxy
      ? new ProxyAgent({ uri: opts.proxy, requestTls: tls, proxyTunnel: false, ...common })
      : new Agent({ connect: tls, ...common });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.dispatcher.close().catch(() => undefined);
  }

  /** POST (or GET when body is undefined) a JSON request and return the parsed JSON body. */
  async json(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    return this.withRetries(method, path, async () => parseJson(await this.once(method, path, body), method, path));
  }

  /**
   * The raw body of a successful response, parsed later by the caller with parseJson: a
   * prefetched page then waits as one string instead of thousands of objects.
   */
  async text(method: 'GET' | 'POST', path: string, body?: unknown): Promise<string> {
    return this.withRetries(method, path, () => this.once(method, path, body));
  }

  /** Counts a failure found by a caller (a prefetched body that did not parse). */
  noteError(err: AgentError): void {
    this.metrics.inc('misp_errors_total', { code: err.code });
    this.log.warn(`${err.message}; asking again`, { code: err.code });
  }

  private async withRetries<T>(method: 'GET' | 'POST', path: string, attemptOnce: () => Promise<T>): Promise<T> {
    let attempt = 0;
    for (;;) {
      try {
        return await attemptOnce();
      } catch (raw) {
        const err = raw instanceof AgentError ? raw : classify(raw, method, path);
        this.metrics.inc('misp_errors_total', { code: err.code });
        if (!err.transient || attempt >= this.opts.retries || this.closed) throw err;
        const delay = backoff(this.opts.retryDelaySeconds, attempt);
        this.log.warn(`${err.message}; retrying in ${(delay / 1000).toFixed(1)} s`, { code: err.code, attempt: attempt + 1, retries: this.opts.retries });
        await new Promise((r) => setTimeout(r, delay));
        attempt++;
      }
    }
  }

  private async once(method: 'GET' | 'POST', path: string, body: unknown): Promise<string> {
    this.metrics.inc('misp_requests_total');
    const res = await request(this.opts.baseUrl + path, {
      method,
      dispatcher: this.dispatcher,
      headers: {
        authorization: this.opts.apiKey,
        accept: 'application/json',
        'content-type': 'application/json',
        'user-agent': this.opts.userAgent,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A whole request may not exceed twice the per-phase timeout (a server trickling bytes).
      signal: AbortSignal.timeout(Math.round(this.opts.timeoutSeconds * 2000)),
    });
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw classify(err, method, path);
    }
    const where = `MISP ${method} ${path}`;
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new AgentError(ErrorCodes.MISP_AUTH, `${where} was refused (HTTP ${res.statusCode}): check the API key and its permissions`);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const transient = res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 408;
      throw new AgentError(ErrorCodes.MISP_HTTP, `${where} failed with HTTP ${res.statusCode}`, { transient });
    }
    return text;
  }
}

export function parseJson(text: string, method: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // No excerpt of the body and not the parser's message (it quotes the body): a server may
    // reflect the API key, and what it sent is not ours to print.
    throw new AgentError(ErrorCodes.MISP_MALFORMED, `MISP ${method} ${path} returned malformed JSON (${text.length} characters)`, { transient: true });
  }
}

function backoff(baseSeconds: number, attempt: number): number {
  const ms = Math.min(baseSeconds * 1000 * 2 ** attempt, 30_000);
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

function classify(raw: unknown, method: string, path: string): AgentError {
  const err = raw as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const name = err.name ?? '';
  const where = `MISP ${method} ${path}`;
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(`${code} ${err.message ?? ''}`)) {
    return new AgentError(ErrorCodes.MISP_TLS, `${where}: TLS verification failed (${code || err.message}); use --ca-file to trust MISP's CA`, { cause: raw });
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    // Asking again would fetch the same oversized answer: not transient.
    return new AgentError(ErrorCodes.MISP_TOO_LARGE, `${where} answered more than --max-response-mb allows; aborted`, { cause: raw });
  }
  if (/Timeout/i.test(name) || /TIMEOUT/.test(code) || code === 'ABORT_ERR') {
    return new AgentError(ErrorCodes.MISP_TIMEOUT, `${where} timed out`, { transient: true, cause: raw });
  }
  return new AgentError(ErrorCodes.MISP_UNREACHABLE, `${where} failed: ${code || err.message || 'network error'}`, { transient: true, cause: raw });
}
