// Domain and host names in one canonical form: lower case, no trailing dot, IDN labels in
// punycode ("xn--"), RFC 1035 length limits. Underscores are allowed because real DNS traffic
// carries them (_dmarc, SRV names) and MISP holds such indicators.
/// <reference path="./punycode.d.ts" />
import { toASCII } from 'punycode/punycode.es6.js';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** Canonical DNS name, or null if the text is not a syntactically valid name. */
export function normalizeDnsName(input: string): string | null {
  let name = input.trim();
  if (name.length > 1024) return null;
  if (!ASCII_ONLY.test(name)) {
    // The mapping browsers apply before resolving a name (UTS 46, approximated): compatibility
    // forms folded (NFKC: fullwidth letters, ligatures, composed and decomposed accents) and the
    // ideographic full stops read as dots. So "ｅｖｉｌ．example" is the evil.example it resolves to.
    name = name.normalize('NFKC').replace(/[\u3002\uff0e\uff61]/g, '.');
  }
  name = name.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '') return null;
  if (!ASCII_ONLY.test(name)) {
    try {
      name = toASCII(name).toLowerCase();
    } catch {
      return null;
    }
  }
  if (name.length > 253) return null;
  const labels = name.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) return null;
  }
  // A name whose last label is numeric is an IPv4 address or garbage, never a DNS name.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return null;
  return name;
}

/**
 * The name and its parents down to two labels, most specific first:
 * "a.b.evil.com" → ["a.b.evil.com", "b.evil.com", "evil.com"]. A domain indicator matches on
 * label boundaries only, so "notevil.com" never yields "evil.com".
 */
export function parentDomains(canonical: string): string[] {
  const labels = canonical.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  if (out.length === 0) out.push(canonical);
  return out;
}
