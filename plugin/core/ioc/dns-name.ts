// Domain and host names in one canonical form: lower case, no trailing dot, IDN labels in
// punycode ("xn--"), RFC 1035 length limits. Underscores are allowed because real DNS traffic
// carries them (_dmarc, SRV names) and MISP holds such indicators.
//
// The common case, an ASCII name, costs a handful of built-in calls and one regex, because
// GraalJS's interpreter (Logstash's JDK 21) runs built-ins as compiled Java but pays for every
// JavaScript operation: no split into labels, no regex per label.
/// <reference path="./punycode.d.ts" />
import { toASCII } from 'punycode/punycode.es6.js';

/** Labels of letters, digits, '-' and '_', none empty, none starting or ending with '-'. */
const ASCII_NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;
const NON_ASCII = /[^\x00-\x7f]/;
const IDEOGRAPHIC_FULL_STOPS = /[\u3002\uff0e\uff61]/g;
const DIGITS = /^[0-9]+$/;
const MAX_LABEL = 63;
const MAX_NAME = 253;

function hasLongLabel(name: string): boolean {
  let start = 0;
  for (;;) {
    const dot = name.indexOf('.', start);
    const end = dot < 0 ? name.length : dot;
    if (end - start > MAX_LABEL) return true;
    if (dot < 0) return false;
    start = dot + 1;
  }
}

/** Canonical DNS name, or null if the text is not a syntactically valid name. */
export function normalizeDnsName(input: string): string | null {
  let name = input.trim();
  if (name.length > 1024) return null;
  const ascii = !NON_ASCII.test(name);
  if (!ascii) {
    // The mapping browsers apply before resolving a name (UTS 46, approximated): compatibility
    // forms folded (NFKC: fullwidth letters, ligatures, composed and decomposed accents) and the
    // ideographic full stops read as dots. So "ｅｖｉｌ．example" is the evil.example it resolves to.
    name = name.normalize('NFKC').replace(IDEOGRAPHIC_FULL_STOPS, '.');
  }
  name = name.toLowerCase();
  if (name.charCodeAt(name.length - 1) === 46) name = name.slice(0, -1);
  if (name === '') return null;
  if (!ascii && NON_ASCII.test(name)) {
    try {
      name = toASCII(name).toLowerCase();
    } catch {
      return null;
    }
  }
  if (name.length > MAX_NAME || !ASCII_NAME.test(name)) return null;
  if (name.length > MAX_LABEL && hasLongLabel(name)) return null;
  // A name whose last label is numeric is an IPv4 address or garbage, never a DNS name.
  const last = name.charCodeAt(name.length - 1);
  if (last >= 48 && last <= 57 && DIGITS.test(name.slice(name.lastIndexOf('.') + 1))) return null;
  return name;
}

/**
 * The name and its parents down to two labels, most specific first:
 * "a.b.evil.com" → ["a.b.evil.com", "b.evil.com", "evil.com"]. A domain indicator matches on
 * label boundaries only, so "notevil.com" never yields "evil.com".
 */
export function parentDomains(canonical: string): string[] {
  const out = [canonical];
  let dot = canonical.indexOf('.');
  if (dot < 0) return out;
  for (let next = canonical.indexOf('.', dot + 1); next >= 0; next = canonical.indexOf('.', dot + 1)) {
    out.push(canonical.slice(dot + 1));
    dot = next;
  }
  return out;
}
