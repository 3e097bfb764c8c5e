// URLs compared as host[:port]/path?query: the scheme is dropped (MISP holds both "http://x/a"
// and "x/a" for the same indicator), the host is canonical like any DNS name or IP, the default
// ports 80 and 443 and the fragment are dropped, an empty path is "/". Path and query are kept
// byte for byte: decoding them would make distinct URLs equal.
//
// Written for GraalJS's interpreter like the rest of ioc/: built-in calls, few JavaScript steps.
import { normalizeDnsName } from './dns-name.js';
import { formatIp, isAddress, mayBeIp, parseIp } from './ip.js';

const SCHEME_NAME = /^[a-z][a-z0-9+.-]*$/i;
const AUTHORITY_END = /[/?#\\]/;
const PORT = /^[0-9]{1,5}$/;

export interface UrlParts {
  host: string;
  port: number | null;
  /** Path and query, always starting with "/". */
  path: string;
}

export function parseUrl(input: string): UrlParts | null {
  let text = input.trim();
  // The first "://" ends the scheme if what precedes it is a scheme name (which holds no ':').
  const sep = text.indexOf('://');
  if (sep > 0 && SCHEME_NAME.test(text.slice(0, sep))) text = text.slice(sep + 3);
  else if (text.startsWith('//')) text = text.slice(2);
  // Browsers end the authority at a backslash too (WHATWG URL, special schemes): without this,
  // a MISP URL "http://bank.example" + backslash + "@login.example/" would be stored, and matched,
  // as a login.example URL.
  const end = text.search(AUTHORITY_END);
  let authority = end < 0 ? text : text.slice(0, end);
  let rest = end < 0 ? '' : text.slice(end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);

  let hostText = authority;
  let portText: string | null = null;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return null;
    hostText = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return null;
      portText = after.slice(1);
    }
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      hostText = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    }
  }
  let port: number | null = null;
  if (portText !== null && portText !== '') {
    if (!PORT.test(portText)) return null;
    port = Number(portText);
    if (port > 65535) return null;
    if (port === 80 || port === 443) port = null;
  }

  let host: string | null;
  const ip = mayBeIp(hostText) ? parseIp(hostText) : null;
  if (ip && isAddress(ip) && !hostText.includes('/')) {
    host = ip.family === 6 ? `[${formatIp(ip)}]` : formatIp(ip);
  } else {
    if (hostText.startsWith('[')) return null;
    host = normalizeDnsName(hostText);
    // Real MISP url attributes hold file names and paths too ("igfxtray.exe" aside, "Data/x.dat"):
    // a host without a dot is one of those, not a URL.
    if (host && !host.includes('.')) host = null;
  }
  if (!host) return null;

  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  if (!rest.startsWith('/')) rest = `/${rest}`;
  return { host, port, path: rest };
}

export function normalizeUrl(input: string): string | null {
  const u = parseUrl(input);
  if (!u) return null;
  return `${u.host}${u.port === null ? '' : `:${u.port}`}${u.path}`;
}
