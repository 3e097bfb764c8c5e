// Every failure the agent reports carries a stable code, so operators can alert on codes and
// the docs can list them. Messages never contain the API key: callers build them from URLs,
// statuses and option names only, and the logger redacts the key again as a last line.

export const ErrorCodes = {
  CONFIG: 'MISP_ENRICH_AGENT_CONFIG',
  API_KEY: 'MISP_ENRICH_AGENT_API_KEY',
  MISP_AUTH: 'MISP_ENRICH_AGENT_MISP_AUTH',
  MISP_HTTP: 'MISP_ENRICH_AGENT_MISP_HTTP',
  MISP_TIMEOUT: 'MISP_ENRICH_AGENT_MISP_TIMEOUT',
  MISP_UNREACHABLE: 'MISP_ENRICH_AGENT_MISP_UNREACHABLE',
  MISP_TLS: 'MISP_ENRICH_AGENT_MISP_TLS',
  MISP_MALFORMED: 'MISP_ENRICH_AGENT_MISP_MALFORMED',
  MISP_TOO_LARGE: 'MISP_ENRICH_AGENT_MISP_TOO_LARGE',
  MISP_PAGING: 'MISP_ENRICH_AGENT_MISP_PAGING',
  SYNC_TIMEOUT: 'MISP_ENRICH_AGENT_SYNC_TIMEOUT',
  MASS_REMOVAL: 'MISP_ENRICH_AGENT_MASS_REMOVAL',
  MEMCACHED: 'MISP_ENRICH_AGENT_MEMCACHED',
  MEMCACHED_MEMORY: 'MISP_ENRICH_AGENT_MEMCACHED_MEMORY',
  MEMCACHED_EVICTIONS: 'MISP_ENRICH_AGENT_MEMCACHED_EVICTIONS',
  MEMCACHED_RELOAD: 'MISP_ENRICH_AGENT_MEMCACHED_RELOAD',
  SNAPSHOT: 'MISP_ENRICH_AGENT_SNAPSHOT',
  FEED: 'MISP_ENRICH_AGENT_FEED',
  INSECURE_TLS: 'MISP_ENRICH_AGENT_INSECURE_TLS',
  PLAIN_HTTP: 'MISP_ENRICH_AGENT_PLAIN_HTTP',
  KEY_FILE_MODE: 'MISP_ENRICH_AGENT_KEY_FILE_MODE',
  METRICS_LISTEN: 'MISP_ENRICH_AGENT_METRICS_LISTEN',
  ZMQ: 'MISP_ENRICH_AGENT_ZMQ',
  RETRO_UNREACHABLE: 'MISP_ENRICH_AGENT_RETRO_UNREACHABLE',
  RETRO_AUTH: 'MISP_ENRICH_AGENT_RETRO_AUTH',
  RETRO_HTTP: 'MISP_ENRICH_AGENT_RETRO_HTTP',
  RETRO_WRITE: 'MISP_ENRICH_AGENT_RETRO_WRITE',
  RETRO_CAP: 'MISP_ENRICH_AGENT_RETRO_CAP',
  RETRO_TEMPLATE: 'MISP_ENRICH_AGENT_RETRO_TEMPLATE',
  INTERNAL: 'MISP_ENRICH_AGENT_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class AgentError extends Error {
  readonly code: ErrorCode;
  /** True when trying again later may succeed (network, 5xx); false for auth and config. */
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, opts: { transient?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AgentError';
    this.code = code;
    this.transient = opts.transient ?? false;
  }
}

export function asAgentError(err: unknown): AgentError {
  if (err instanceof AgentError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AgentError(ErrorCodes.INTERNAL, `internal error: ${message}`, { cause: err });
}
