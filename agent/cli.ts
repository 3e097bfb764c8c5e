#!/usr/bin/env node
// misp-enrich-agent: keeps memcached loaded with MISP indicators for the misp_enrich filter.
// This file only maps the command line to the Agent and errors to exit codes.
import { Agent } from './agent.js';
import { AgentError, asAgentError, ErrorCodes, type ErrorCode } from './ops/errors.js';
import { createLogger } from './ops/logger.js';
import { helpText, parseOptions, readApiKey } from './ops/options.js';
import { AGENT_VERSION } from './ops/version.js';

const EXIT: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.CONFIG]: 2,
  [ErrorCodes.API_KEY]: 2,
  [ErrorCodes.METRICS_LISTEN]: 2,
  [ErrorCodes.MISP_AUTH]: 3,
  [ErrorCodes.MISP_HTTP]: 3,
  [ErrorCodes.MISP_TIMEOUT]: 3,
  [ErrorCodes.MISP_UNREACHABLE]: 3,
  [ErrorCodes.MISP_TLS]: 3,
  [ErrorCodes.MISP_MALFORMED]: 3,
  [ErrorCodes.MISP_TOO_LARGE]: 3,
  [ErrorCodes.MISP_PAGING]: 3,
  [ErrorCodes.SYNC_TIMEOUT]: 3,
  [ErrorCodes.MASS_REMOVAL]: 3,
  [ErrorCodes.FEED]: 3,
  [ErrorCodes.MEMCACHED]: 4,
  [ErrorCodes.SNAPSHOT]: 5,
};

/** The logger of the moment, so even a crash report goes through the redactor. */
let current = createLogger();

/**
 * A stop abandons MISP requests at once and then writes the snapshot if it changed; past this
 * deadline the process exits anyway (the unit's TimeoutStopSec is above it).
 */
const STOP_DEADLINE_MS = 15_000;
/** After main() ends, what still holds the event loop open gets this long before the exit. */
const EXIT_GRACE_MS = 2_000;

async function main(): Promise<number> {
  let log = current;
  const envKey = process.env.MISP_API_KEY;
  if (envKey) log.addSecret(envKey);
  try {
    const parsed = parseOptions(process.argv.slice(2), process.env);
    if (parsed.help) {
      process.stdout.write(helpText());
      return 0;
    }
    if (parsed.version) {
      process.stdout.write(`${AGENT_VERSION}\n`);
      return 0;
    }
    const opts = parsed.options;
    log = createLogger({ level: opts.logLevel });
    current = log;
    if (envKey) log.addSecret(envKey);
    for (const note of parsed.notes) log.info(note);
    const apiKey = readApiKey(opts, process.env);
    log.addSecret(apiKey);
    const agent = new Agent(opts, apiKey, log);
    if (opts.once) {
      const summary = await agent.once();
      process.stdout.write(JSON.stringify(summary) + '\n');
      log.info('one-shot sync done', { attributes: summary.attributes, duration_ms: summary.duration_ms });
      return 0;
    }
    let signals = 0;
    const onSignal = (sig: string) => {
      if (++signals > 1) process.exit(130);
      log.info(`received ${sig}; stopping (MISP requests in flight are abandoned, the last known-good set stays)`);
      agent.stop();
      setTimeout(() => {
        log.error(`still stopping ${STOP_DEADLINE_MS / 1000} s after ${sig}; exiting now`, { code: ErrorCodes.INTERNAL });
        process.exit(1);
      }, STOP_DEADLINE_MS).unref();
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    log.info(`misp-enrich-agent ${AGENT_VERSION} starting`, {
      misp: opts.mispUrl,
      memcached: opts.memcached,
      interval: opts.interval,
      full_resync: opts.fullResync,
      snapshot: opts.snapshot ?? null,
    });
    await agent.run();
    log.info('stopped');
    return 0;
  } catch (err) {
    const e = err instanceof AgentError ? err : asAgentError(err);
    log.error(e.message, { code: e.code });
    return EXIT[e.code] ?? 1;
  }
}

process.on('unhandledRejection', (err) => {
  // A bug, not an operating condition: report it with its code and stop, so systemd restarts us.
  current.error(`unhandled rejection: ${(err as Error)?.message ?? String(err)}`, { code: ErrorCodes.INTERNAL });
  process.exit(1);
});

main().then((code) => {
  process.exitCode = code;
  // Everything main() opened is closed by now; a handle a library still holds (a socket being
  // torn down, a timer) must not keep a finished or failed agent alive under systemd.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
});
