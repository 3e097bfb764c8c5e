// The snapshot: the agent's index on disk, so a restart can refill memcached before (or without)
// MISP answering. One JSON value per line (header, events, attributes), written to a temporary
// file, flushed to disk (fsync), renamed over the old one and the directory flushed too, so a
// crash or a power cut at any moment leaves either the previous snapshot or the new one. A
// temporary file left by a killed agent is removed at the next start.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import type { DecaySummary } from '../../plugin/core/ioc/index.js';
import type { MispAttribute } from '../misp/attribute.js';
import type { EventRecord, IndicatorState } from '../sync/state.js';

const FORMAT = 'misp-enrich-agent-snapshot';
const VERSION = 1;

export interface SnapshotHeader {
  format: typeof FORMAT;
  v: typeof VERSION;
  agent_version: string;
  written_at: string;
  /** Unix seconds of the last successful sync with MISP when written. */
  synced_at: number;
  /**
   * The same moment in Unix ms: compared with a memcached server's META_KEY synced_at, so that a
   * restarted agent never writes this (older) set over a newer one. Absent in older snapshots.
   */
  synced_at_ms?: number;
  attributes: number;
  /** The --retro-window (days) of the last completed --retro-backfill; absent: none yet. */
  retro_backfilled_days?: number;
}

export async function writeSnapshot(path: string, state: IndicatorState, meta: { agentVersion: string; syncedMs: number; retroBackfilledDays?: number }): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await fs.mkdir(dirname(path), { recursive: true });
    const out = createWriteStream(tmp, { mode: 0o600 });
    const done = new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.once('finish', resolve);
    });
    const header: SnapshotHeader = {
      format: FORMAT,
      v: VERSION,
      agent_version: meta.agentVersion,
      written_at: new Date().toISOString(),
      synced_at: Math.floor(meta.syncedMs / 1000),
      synced_at_ms: meta.syncedMs,
      attributes: state.attributeCount,
      ...(meta.retroBackfilledDays !== undefined ? { retro_backfilled_days: meta.retroBackfilledDays } : {}),
    };
    let buf = JSON.stringify(header) + '\n';
    for (const r of state.records()) {
      if ('event' in r) {
        const e = r.event;
        buf += JSON.stringify({ e: [e.id, e.uuid, e.info, e.org ?? null, e.tags, e.published ?? null] }) + '\n';
      } else {
        const a = r.attribute;
        // decay and expires last: a snapshot written before they existed simply lacks them.
        // hunt last: 1 while the retro-hunt has yet to search for the attribute's events.
        buf += JSON.stringify({ a: [a.uuid, a.type, a.category, a.value, a.toIds ? 1 : 0, a.event.id, a.timestamp, a.tags, a.firstSeen ?? null, a.lastSeen ?? null, a.decay ?? null, a.expires ?? null, r.hunt ? 1 : 0] }) + '\n';
      }
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
        buf = '';
      }
    }
    out.end(buf);
    await done;
    await fsync(tmp);
    await fs.rename(tmp, path);
    await fsync(dirname(path));
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new AgentError(ErrorCodes.SNAPSHOT, `cannot write snapshot ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function fsync(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const TEMPORARY = /\.tmp-\d+$/;

/** Removes temporary files an earlier agent left beside the snapshot (killed while writing it). */
export async function removeStaleTemporaries(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => n.startsWith(prefix) && TEMPORARY.test(n));
  for (const n of stale) await fs.rm(join(dir, n), { force: true });
  return stale;
}

/** Loads a snapshot into an empty state; null when there is no file. */
export async function readSnapshot(path: string, state: IndicatorState): Promise<SnapshotHeader | null> {
  try {
    await fs.access(path);
  } catch {
    return null;
  }
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let header: SnapshotHeader | null = null;
  const dirty = new Set<string>();
  const pass = state.newPass();
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line === '') continue;
      const rec = JSON.parse(line) as Record<string, unknown>;
      if (!header) {
        if (rec.format !== FORMAT || rec.v !== VERSION) throw new Error('not a snapshot of this format version');
        header = rec as unknown as SnapshotHeader;
        continue;
      }
      if (Array.isArray(rec.e)) {
        const [id, uuid, info, org, tags, published] = rec.e as [string, string, string, string | null, string[], boolean | null];
        const head: EventRecord & { tags: string[] } = { id, uuid, info, tags };
        if (org !== null) head.org = org;
        if (published !== null) head.published = published;
        state.upsertEvent(head, dirty);
      } else if (Array.isArray(rec.a)) {
        const [uuid, type, category, value, toIds, eventId, timestamp, tags, fs1, ls, decay, expires, hunt] = rec.a as [string, string, string, string, number, string, number, string[], string | null, string | null, DecaySummary | null | undefined, number | null | undefined, number | undefined];
        const ev = state.eventIndex(eventId);
        if (ev === undefined) throw new Error(`attribute ${uuid} names unknown event ${eventId}`);
        const a: MispAttribute = { uuid, type, category, value, toIds: toIds === 1, deleted: false, timestamp, event: { id: eventId, uuid: '', info: '', tags: null }, tags };
        if (fs1 !== null) a.firstSeen = fs1;
        if (ls !== null) a.lastSeen = ls;
        if (decay) a.decay = decay;
        if (typeof expires === 'number') a.expires = expires;
        if (state.upsert(a, ev, pass, dirty) !== 'invalid' && hunt === 1) state.markForHunt(uuid);
      }
      if (dirty.size > 10_000) dirty.clear();
    }
  } catch (err) {
    throw new AgentError(ErrorCodes.SNAPSHOT, `cannot read snapshot ${path} (line ${n}): ${(err as Error).message}`, { cause: err });
  }
  if (!header) throw new AgentError(ErrorCodes.SNAPSHOT, `snapshot ${path} is empty`);
  return header;
}
