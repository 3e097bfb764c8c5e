// Structured logs: one JSON object per line on stderr (time, level, msg, code, ...), so journald
// and log shippers parse them without patterns. Every line passes through the redactor, which
// removes the API key, and any piece of it, wherever it could have slipped in (an error message
// from a library, a URL, a body a server reflected).
//
// When stderr is the journal (systemd sets JOURNAL_STREAM to its device and inode), each line
// starts with a syslog priority, `<3>` to `<7>`: journald files the line at that priority
// (SyslogLevelPrefix=, on by default) and strips the prefix, so `journalctl -p warning` shows the
// agent's warnings and errors, and the stored message is still the bare JSON.
import { fstatSync } from 'node:fs';
import { Redactor } from './redact.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** syslog(3) priorities: LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR. */
const SYSLOG: Record<Level, string> = { debug: '<7>', info: '<6>', warn: '<4>', error: '<3>' };

/** True when file descriptor fd is the stream JOURNAL_STREAM ("<device>:<inode>") names. */
export function isJournalStream(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Registers a secret that must never be printed, nor any 8-character piece of it. */
  addSecret(secret: string): void;
  /** The redactor of this logger's secrets, for other output (/healthz, /metrics). */
  readonly redactor: Redactor;
}

export function isLevel(x: string): x is Level {
  return x in RANK;
}

export function createLogger(opts: { level?: Level; write?: (line: string) => void; syslogPrefix?: boolean } = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  // Only for stderr itself: a given writer gets the bare lines unless asked.
  const prefix = opts.syslogPrefix ?? (opts.write === undefined && isJournalStream());
  const redactor = new Redactor();
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < min) return;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...fields };
    if (record.err instanceof Error) record.err = describeError(record.err);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: record.time, level, msg });
    }
    write((prefix ? SYSLOG[level] : '') + redactor.redact(line) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    addSecret: (s) => redactor.add(s),
    redactor,
  };
}

function describeError(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  return out;
}
