// Specs use the same local memcached launcher as the demo: a real Debian memcached process.
export { freePort, startMemcached, type MemcachedProcess } from '../../tools/local-memcached.js';
