// MISP serializes ids, timestamps and enums as strings and flags as booleans, but files written
// by hand, older MISP versions or other producers use numbers and "0"/"1". Every value read from
// an event file goes through here, so responses always use MISP 2.5's own forms.

export function toBool(v: unknown, fallback = false): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === '1' || s === 'true') return true;
    if (s === '0' || s === 'false' || s === '') return false;
  }
  return fallback;
}

/** A MISP numeric string ("123"), or the fallback when the value is absent or not numeric. */
export function toNumStr(v: unknown, fallback: string): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(Math.trunc(v));
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return v.trim();
  return fallback;
}

export function toStr(v: unknown, fallback = ''): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fallback;
}

export function toNullableStr(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  return toStr(v, '') || null;
}

export function toInt(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number.parseInt(v.trim(), 10);
  return fallback;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
