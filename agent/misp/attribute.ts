// Reading MISP's JSON: attributes as /attributes/restSearch returns them and events as
// /events/index (or /events/restSearch) returns them. Tolerant of the forms older MISPs and
// hand-written feeds use: numbers or "0"/"1" for booleans, numbers or strings for ids/timestamps.
import type { DecaySummary } from '../../plugin/core/ioc/index.js';
import { AgentError, ErrorCodes } from '../ops/errors.js';

/** One entry of an attribute's decay_score (restSearch includeDecayScore, DecayingModel::attachScoresToAttribute). */
export interface DecayScore {
  modelId: string;
  modelName: string;
  score: number;
  baseScore: number;
  decayed: boolean;
}

export interface MispAttribute {
  uuid: string;
  type: string;
  category: string;
  /** Composite values arrive as "a|b": JSON restSearch drops value1/value2. */
  value: string;
  toIds: boolean;
  deleted: boolean;
  timestamp: number;
  firstSeen?: string;
  lastSeen?: string;
  event: MispEventHead;
  /** The attribute's own tags (tags inherited from the event are in event.tags). */
  tags: string[];
  /** What MISP's decaying models answered (only with includeDecayScore). */
  decayScores?: DecayScore[];
  /** Worked out by the agent from decayScores and the models (sync/decay.ts), then stored. */
  decay?: DecaySummary;
  /** Unix seconds at which the agent drops the attribute (decay threshold or --max-age). */
  expires?: number;
}

export interface MispEventHead {
  id: string;
  uuid: string;
  info: string;
  org?: string;
  /** null when the response did not say (e.g. includeEventTags unsupported). */
  tags: string[] | null;
  /** undefined when the response did not say (restSearch attributes usually do not). */
  published?: boolean;
  timestamp?: number;
  publishTimestamp?: number;
}

export function bool(x: unknown): boolean {
  return x === true || x === 1 || x === '1' || x === 'true';
}

function str(x: unknown): string {
  return typeof x === 'string' ? x : typeof x === 'number' ? String(x) : '';
}

function num(x: unknown): number {
  const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
  return Number.isFinite(n) ? n : 0;
}

function optStr(x: unknown): string | undefined {
  return typeof x === 'string' && x !== '' ? x : undefined;
}

export function tagNames(x: unknown, skipInherited: boolean): string[] {
  if (!Array.isArray(x)) return [];
  const out: string[] = [];
  for (const t of x) {
    // Event tags come as {Tag: {...}} in /events/index (EventTag) and as {...} elsewhere.
    const tag = (t && typeof t === 'object' && 'Tag' in t ? (t as { Tag: unknown }).Tag : t) as Record<string, unknown> | null;
    if (!tag || typeof tag.name !== 'string') continue;
    if (skipInherited && bool(tag.inherited)) continue;
    out.push(tag.name);
  }
  return out;
}

export function orgName(e: Record<string, unknown>): string | undefined {
  const orgc = e.Orgc as Record<string, unknown> | undefined;
  return orgc && typeof orgc.name === 'string' ? orgc.name : undefined;
}

export function readEventHead(raw: unknown): MispEventHead | null {
  if (!raw || typeof raw !== 'object') return null;
  const e = ('Event' in raw ? (raw as { Event: unknown }).Event : raw) as Record<string, unknown>;
  if (!e || typeof e !== 'object') return null;
  const id = str(e.id);
  if (!id) return null;
  const head: MispEventHead = { id, uuid: str(e.uuid), info: str(e.info), tags: null };
  const org = orgName(e);
  if (org) head.org = org;
  if (Array.isArray(e.Tag)) head.tags = tagNames(e.Tag, false);
  else if (Array.isArray(e.EventTag)) head.tags = tagNames(e.EventTag, false);
  if ('published' in e) head.published = bool(e.published);
  if ('timestamp' in e) head.timestamp = num(e.timestamp);
  if ('publish_timestamp' in e) head.publishTimestamp = num(e.publish_timestamp);
  return head;
}

/** One attribute, or null when it lacks what the agent needs (counted as skipped by the caller). */
export function readAttribute(raw: unknown): MispAttribute | null {
  if (!raw || typeof raw !== 'object') return null;
  const a = raw as Record<string, unknown>;
  const uuid = str(a.uuid);
  const type = str(a.type);
  const value = typeof a.value === 'string' ? a.value : '';
  const eventId = str(a.event_id) || str((a.Event as Record<string, unknown> | undefined)?.id);
  if (!uuid || !type || !eventId) return null;
  const event = readEventHead(a.Event) ?? { id: eventId, uuid: '', info: '', tags: null };
  if (event.id !== eventId) event.id = eventId;
  const out: MispAttribute = {
    uuid,
    type,
    category: str(a.category),
    value,
    toIds: bool(a.to_ids),
    deleted: bool(a.deleted),
    timestamp: num(a.timestamp),
    event,
    tags: tagNames(a.Tag, true),
  };
  const fs = optStr(a.first_seen);
  const ls = optStr(a.last_seen);
  if (fs) out.firstSeen = fs;
  if (ls) out.lastSeen = ls;
  if (Array.isArray(a.decay_score)) out.decayScores = a.decay_score.map(readDecayScore).filter((d): d is DecayScore => d !== null);
  return out;
}

function readDecayScore(raw: unknown): DecayScore | null {
  if (!raw || typeof raw !== 'object') return null;
  const d = raw as Record<string, unknown>;
  const model = (d.DecayingModel && typeof d.DecayingModel === 'object' ? d.DecayingModel : {}) as Record<string, unknown>;
  const score = typeof d.score === 'number' ? d.score : Number(d.score);
  const base = typeof d.base_score === 'number' ? d.base_score : Number(d.base_score);
  const modelId = str(model.id);
  if (!Number.isFinite(score) || !Number.isFinite(base) || !modelId) return null;
  return { modelId, modelName: str(model.name), score, baseScore: base, decayed: bool(d.decayed) };
}

/** The attribute list of a restSearch response: {"response": {"Attribute": [...]}} as MISP sends it. */
export function attributeList(body: unknown, where: string): unknown[] {
  const b = body as Record<string, unknown> | null;
  const response = b && typeof b === 'object' ? (b.response ?? b) : null;
  if (Array.isArray(response) && response.length === 0) return [];
  const list = response && typeof response === 'object' ? (response as Record<string, unknown>).Attribute : undefined;
  if (Array.isArray(list)) return list;
  throw new AgentError(ErrorCodes.MISP_MALFORMED, `${where}: response has no Attribute list`, { transient: true });
}

/** The event list of /events/index (a bare array) or /events/restSearch ({"response": [...]}). */
export function eventList(body: unknown, where: string): unknown[] {
  if (Array.isArray(body)) return body;
  const b = body as Record<string, unknown> | null;
  if (b && typeof b === 'object' && Array.isArray(b.response)) return b.response;
  throw new AgentError(ErrorCodes.MISP_MALFORMED, `${where}: response is not an event list`, { transient: true });
}
