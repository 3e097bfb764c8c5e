// The indicator vocabulary shared by the agent and the filter. Datatypes are what a user writes
// in the `fields` option; indicator kinds are what the agent stores in memcached. They differ in
// one place: an "ip" indicator is either an address ("ip") or a CIDR network ("net").

export const DATATYPES = [
  'ip',
  'domain',
  'hostname',
  'url',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'email',
] as const;
export type Datatype = (typeof DATATYPES)[number];

export const INDICATOR_KINDS = [...DATATYPES, 'net'] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}
