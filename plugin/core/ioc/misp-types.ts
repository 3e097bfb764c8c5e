// Which MISP attribute types hold indicators this product matches, and how composite values
// split. MISP's JSON restSearch drops value1/value2, so composites arrive as "a|b" and are split
// here, as MISP's own feed cache does. Parts that are not indicators (port, filename) are skipped.
import type { Datatype } from './datatypes.js';

/** For each supported MISP type, the datatype of each "|"-separated part (null: not matched). */
export const MISP_TYPE_PARTS: Readonly<Record<string, readonly (Datatype | null)[]>> = {
  'ip-src': ['ip'],
  'ip-dst': ['ip'],
  'ip-src|port': ['ip', null],
  'ip-dst|port': ['ip', null],
  domain: ['domain'],
  'domain|ip': ['domain', 'ip'],
  hostname: ['hostname'],
  'hostname|port': ['hostname', null],
  url: ['url'],
  md5: ['md5'],
  sha1: ['sha1'],
  sha256: ['sha256'],
  sha512: ['sha512'],
  'filename|md5': [null, 'md5'],
  'filename|sha1': [null, 'sha1'],
  'filename|sha256': [null, 'sha256'],
  'filename|sha512': [null, 'sha512'],
  // MISP stores a malware sample's value as "filename|md5".
  'malware-sample': [null, 'md5'],
  email: ['email'],
  'email-src': ['email'],
  'email-dst': ['email'],
  'email-reply-to': ['email'],
};

export const SUPPORTED_MISP_TYPES: readonly string[] = Object.keys(MISP_TYPE_PARTS);

export interface MispValuePart {
  datatype: Datatype;
  raw: string;
}

/**
 * The matchable parts of a MISP value, or null if the type is not supported or a composite value
 * does not have exactly its parts. A filename may itself contain "|", so "filename|..." types
 * split on the last one.
 */
export function splitMispValue(type: string, value: string): MispValuePart[] | null {
  const layout = MISP_TYPE_PARTS[type];
  if (!layout) return null;
  let pieces: string[];
  if (layout.length === 1) pieces = [value];
  else {
    const cut = layout[0] === null ? value.lastIndexOf('|') : value.indexOf('|');
    if (cut < 0) return null;
    pieces = [value.slice(0, cut), value.slice(cut + 1)];
  }
  const out: MispValuePart[] = [];
  layout.forEach((datatype, i) => {
    if (datatype) out.push({ datatype, raw: pieces[i]! });
  });
  return out;
}
