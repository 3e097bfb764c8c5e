// E-mail addresses: lower case as a whole (the original recipe and MISP users compare them that
// way), the domain part canonical like any DNS name. "Name <a@b>" keeps only the address.
import { normalizeDnsName } from './dns-name.js';

export function normalizeEmail(input: string): string | null {
  let value = input.trim();
  const open = value.lastIndexOf('<');
  if (open >= 0 && value.endsWith('>')) value = value.slice(open + 1, -1).trim();
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return null;
  const local = value.slice(0, at).toLowerCase();
  if (local.length > 64 || /[\s<>@\x00-\x1f\x7f]/.test(local)) return null;
  const domain = normalizeDnsName(value.slice(at + 1));
  if (!domain || !domain.includes('.')) return null;
  return `${local}@${domain}`;
}
