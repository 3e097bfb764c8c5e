// The memcached key scheme. The version is part of every key, so an agent and a filter with
// different schemes read disjoint key spaces instead of misreading each other's values.
//
// A key is "me1:<kind>:<canonical value>" when that is at most 250 bytes of printable ASCII
// without spaces; otherwise "me1:<kind>#<sha256 of the UTF-8 value, hex>". Log values are
// attacker-controlled: because of this rule no value can put a space, CR or LF into a memcached
// command line, and a 2,000-character URL still has a key.
import { sha256 } from '@noble/hashes/sha2.js';
import { INDICATOR_KINDS, type IndicatorKind } from './datatypes.js';
import { utf8Bytes } from './utf8.js';

export const KEY_SCHEME_VERSION = 1;
export const KEY_PREFIX = `me${KEY_SCHEME_VERSION}:`;
/** Agent status and the CIDR prefix lengths in use (see summary.ts, SyncMeta). */
export const META_KEY = `${KEY_PREFIX}meta`;
export const MAX_KEY_BYTES = 250;

const PLAIN_SAFE = /^[\x21-\x7e]*$/;

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

function hashedKey(kind: IndicatorKind, canonical: string): string {
  return `${KEY_PREFIX}${kind}#${hex(sha256(utf8Bytes(canonical)))}`;
}

export function indicatorKey(kind: IndicatorKind, canonical: string): string {
  const plain = `${KEY_PREFIX}${kind}:${canonical}`;
  if (plain.length <= MAX_KEY_BYTES && PLAIN_SAFE.test(plain)) return plain;
  return hashedKey(kind, canonical);
}

/**
 * indicatorKey for a canonical form that is printable ASCII without spaces by construction (an
 * IP address or network, a DNS name, a hash): only the length can decide for the hashed form,
 * so the character test, the costliest step in GraalJS's interpreter, is skipped. Never call it
 * with a URL, an e-mail address or anything a log line could shape freely.
 */
export function asciiIndicatorKey(kind: IndicatorKind, canonical: string): string {
  const plain = PLAIN_KEY_PREFIXES[kind] + canonical;
  return plain.length <= MAX_KEY_BYTES ? plain : hashedKey(kind, canonical);
}

/** "me1:<kind>:" per kind, built once: every concatenation costs in the interpreter. */
export const PLAIN_KEY_PREFIXES: Readonly<Record<IndicatorKind, string>> = Object.fromEntries(
  INDICATOR_KINDS.map((k) => [k, `${KEY_PREFIX}${k}:`]),
) as Record<IndicatorKind, string>;

/** True for any string this module can produce: what a memcached client may safely send. */
export function isLegalKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_KEY_BYTES && PLAIN_SAFE.test(key);
}
