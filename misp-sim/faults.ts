// Faults a spec or the demo switches on through POST /_sim/faults, to prove a client survives a
// misbehaving MISP: 500s, slow answers, bodies cut off mid-stream, non-JSON bodies, and
// authentication failures with a correct key.
import { isRecord, toInt } from './coerce.js';

export const FAULT_MODES = ['none', 'error500', 'slow', 'truncated', 'malformed', 'auth'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface FaultState {
  mode: FaultMode;
  delay_ms: number;
  /** Requests left before the fault switches itself off; null: until changed. */
  times: number | null;
  /** Path prefixes the fault applies to; null: every MISP endpoint (never /_sim). */
  paths: string[] | null;
}

export const DEFAULT_SLOW_MS = 10_000;

export class Faults {
  private state: FaultState = { mode: 'none', delay_ms: 0, times: null, paths: null };

  get(): FaultState {
    return { ...this.state };
  }

  /** Validates and applies a fault description; throws with a message for a 400 otherwise. */
  set(body: unknown): FaultState {
    if (!isRecord(body)) throw new Error('expected a JSON object');
    const mode = body.mode;
    if (typeof mode !== 'string' || !(FAULT_MODES as readonly string[]).includes(mode)) {
      throw new Error(`mode must be one of ${FAULT_MODES.join(', ')}`);
    }
    const delay = body.delay_ms === undefined ? (mode === 'slow' ? DEFAULT_SLOW_MS : 0) : toInt(body.delay_ms, -1);
    if (delay < 0) throw new Error('delay_ms must be a non-negative integer');
    const times = body.times === undefined || body.times === null ? null : toInt(body.times, -1);
    if (times !== null && times < 1) throw new Error('times must be a positive integer');
    let paths: string[] | null = null;
    if (body.paths !== undefined && body.paths !== null) {
      if (!Array.isArray(body.paths) || !body.paths.every((p) => typeof p === 'string')) {
        throw new Error('paths must be a list of path prefixes');
      }
      paths = body.paths as string[];
    }
    this.state = { mode: mode as FaultMode, delay_ms: delay, times, paths };
    return this.get();
  }

  /** The fault to apply to this request (counting it against `times`), or null. */
  take(path: string): FaultState | null {
    const s = this.state;
    if (s.mode === 'none') return null;
    if (s.paths && !s.paths.some((p) => path.startsWith(p))) return null;
    const applied = { ...s };
    if (s.times !== null) {
      s.times--;
      if (s.times <= 0) this.state = { mode: 'none', delay_ms: 0, times: null, paths: null };
    }
    return applied;
  }
}
