// One place where the agent talks HTTP to MISP: the undici dispatcher (TLS verification, CA file,
// proxy), timeouts, JSON bodies, error classification into stable codes, and retry with
// exponential backoff. Error messages name the method, path and status, and for network and TLS
// failures the host:port and what to do about it; never headers, so the API key cannot leak
// through them. abort() ends every request in flight and every backoff wait at once: the agent
// stops within seconds, whatever MISP is doing.
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

/** Certificate chains this agent cannot verify: the CA is not one it trusts (--ca-file). */
const UNTRUSTED_CA = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT',
]);
/**
 * What OpenSSL says when the first bytes back are not TLS: most often an HTTP answer, a port that
 * speaks plain HTTP (OpenSSL 3.0-3.5: "wrong version number"; other versions and stacks word it
 * as a too long packet or an HTTP request).
 */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_RECORD_LAYER_FAILURE']);

/** Where requests go, for messages: host:port of MISP and of the proxy (URLs carry no credentials). */
interface Target {
  misp: string;
  /** MISP's host as the URL names it (what the certificate must name). */
  mispHost: string;
  proxy: string | null;
}

function hostPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

export class MispHttp {
  private readonly dispatcher: Dispatcher;
  private readonly target: Target;
  /** Fires on abort(): every request in flight and every backoff wait ends at once. */
  private readonly stopper = new AbortController();
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
    const misp = new URL(opts.baseUrl);
    this.target = { misp: hostPort(misp), mispHost: misp.hostname, proxy: opts.proxy ? hostPort(new URL(opts.proxy)) : null };
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

  /** Abandons every request in flight and every retry: the agent is stopping. */
  abort(): void {
    if (this.stopper.signal.aborted) return;
    this.closed = true;
    this.stopper.abort();
    // destroy, not close: close would wait for the requests in flight to finish.
    this.dispatcher.destroy().catch(() => undefined);
  }

  /** True once abort() was called: a failure now is the stop, not MISP. */
  get aborted(): boolean {
    return this.stopper.signal.aborted;
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
        if (this.aborted) throw new AgentError(ErrorCodes.MISP_UNREACHABLE, `MISP ${method} ${path} abandoned: the agent is stopping`, { cause: raw });
        const err = raw instanceof AgentError ? raw : classify(raw, method, path, this.target);
        this.metrics.inc('misp_errors_total', { code: err.code });
        if (!err.transient || attempt >= this.opts.retries || this.closed) throw err;
        const delay = backoff(this.opts.retryDelaySeconds, attempt);
        this.log.warn(`${err.message}; retrying in ${(delay / 1000).toFixed(1)} s`, { code: err.code, attempt: attempt + 1, retries: this.opts.retries });
        await sleep(delay, this.stopper.signal);
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
        // A MISP feed is read without a key: it is a public (or network-protected) file tree.
        ...(this.opts.apiKey ? { authorization: this.opts.apiKey } : {}),
        accept: 'application/json',
        'content-type': 'application/json',
        'user-agent': this.opts.userAgent,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // A whole request may not exceed twice the per-phase timeout (a server trickling bytes),
      // and none outlives a stop.
      signal: AbortSignal.any([AbortSignal.timeout(Math.round(this.opts.timeoutSeconds * 2000)), this.stopper.signal]),
    });
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw classify(err, method, path, this.target);
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

/** Waits ms, or less when signal fires. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function backoff(baseSeconds: number, attempt: number): number {
  const ms = Math.min(baseSeconds * 1000 * 2 ** attempt, 30_000);
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

/** The names a certificate is for: its subjectAltName entries, else its subject CN. */
function certificateNames(cert: { subjectaltname?: string; subject?: { CN?: string | string[] } } | undefined): string {
  const alt = (cert?.subjectaltname ?? '')
    .split(/,\s*/)
    .map((n) => n.replace(/^(DNS|IP Address):/, '').trim())
    .filter(Boolean);
  if (alt.length > 0) return alt.join(', ');
  const cn = cert?.subject?.CN;
  return (Array.isArray(cn) ? cn.join(', ') : cn) || 'no name';
}

type NetError = {
  code?: string;
  name?: string;
  message?: string;
  cert?: { subjectaltname?: string; subject?: { CN?: string | string[] }; valid_to?: string; valid_from?: string };
  cause?: NetError;
};

function classify(raw: unknown, method: string, path: string, target: Target): AgentError {
  const top = raw as NetError;
  // undici wraps the socket's error as `cause` in some paths and throws it as is in others.
  const err: NetError = top.cause && !top.code ? top.cause : top;
  const code = err.code ?? top.code ?? '';
  const name = top.name ?? '';
  const where = `MISP ${method} ${path}`;
  const via = target.proxy ? ` (through the proxy ${target.proxy})` : '';
  const tls = (message: string) => new AgentError(ErrorCodes.MISP_TLS, `${where}: ${message}`, { cause: raw });
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return tls(`the TLS certificate of ${target.misp} is for ${certificateNames(err.cert)}, not for ${target.mispHost}: put a name the certificate holds in --misp-url, or give MISP a certificate for ${target.mispHost}`);
  }
  if (NOT_TLS.has(code) || /wrong version number|packet length too long|http request/i.test(err.message ?? '')) {
    return tls(`${target.misp} does not speak TLS${via}: that port answers plain HTTP; use MISP's HTTPS port in the https:// URL`);
  }
  if (UNTRUSTED_CA.has(code)) {
    return tls(`the TLS certificate of ${target.misp} is signed by a CA this agent does not trust (${code}): give MISP's CA certificate with --ca-file`);
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    const when = code === 'CERT_HAS_EXPIRED' ? `expired on ${err.cert?.valid_to ?? 'an earlier date'}` : `is not valid before ${err.cert?.valid_from ?? 'a later date'}`;
    return tls(`the TLS certificate of ${target.misp} ${when} (${code}): renew MISP's certificate, or check this host's clock`);
  }
  if (/^(CERT_|ERR_TLS_|ERR_SSL_)/.test(code) || /certificate|SSL|TLS/i.test(`${code} ${err.message ?? ''}`)) {
    return tls(`TLS with ${target.misp} failed${via} (${code || err.message})`);
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    // Asking again would fetch the same oversized answer: not transient.
    return new AgentError(ErrorCodes.MISP_TOO_LARGE, `${where} answered more than --max-response-mb allows; aborted`, { cause: raw });
  }
  if (/Timeout/i.test(name) || /TIMEOUT/.test(code) || code === 'ABORT_ERR' || code === 'ETIMEDOUT') {
    const what = code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' ? `connecting to ${target.misp}${via} timed out` : `${target.misp}${via} timed out (no answer within --timeout)`;
    return new AgentError(ErrorCodes.MISP_TIMEOUT, `${where}: ${what}`, { transient: true, cause: raw });
  }
  const unreachable = (what: string) => new AgentError(ErrorCodes.MISP_UNREACHABLE, `${where}: ${what}`, { transient: true, cause: raw });
  if (code === 'ECONNREFUSED') return unreachable(`${target.proxy ? `the proxy ${target.proxy}` : target.misp} refused the connection (ECONNREFUSED): is it running, on that port?`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return unreachable(`cannot resolve ${target.proxy ? `the proxy's host ${target.proxy}` : `MISP's host ${target.mispHost} (${target.misp})`} (${code})`);
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return unreachable(`no route to ${target.proxy ?? target.misp} (${code})`);
  return unreachable(`connection to ${target.misp}${via} failed: ${code || err.message || 'network error'}`);
}
