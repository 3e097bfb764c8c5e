// The ECS fields looked at when `fields` is not set. URL fields match url indicators only;
// the host of a URL is matched through url.domain.
import type { Datatype } from '../ioc/index.js';

export const DEFAULT_FIELDS: Readonly<Record<string, Datatype>> = {
  '[source][ip]': 'ip',
  '[destination][ip]': 'ip',
  '[client][ip]': 'ip',
  '[server][ip]': 'ip',
  '[source][domain]': 'domain',
  '[destination][domain]': 'domain',
  '[client][domain]': 'domain',
  '[server][domain]': 'domain',
  '[url][domain]': 'domain',
  '[url][full]': 'url',
  '[url][original]': 'url',
  '[dns][question][name]': 'domain',
  '[file][hash][md5]': 'md5',
  '[file][hash][sha1]': 'sha1',
  '[file][hash][sha256]': 'sha256',
  '[file][hash][sha512]': 'sha512',
  '[email][from][address]': 'email',
  '[email][to][address]': 'email',
};
