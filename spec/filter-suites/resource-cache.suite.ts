// GraalJS's native helper on a stock Logstash install: Truffle unpacks libtruffleattach into a
// resource cache it picks once per JVM (polyglot.engine.userResourceCache, else
// $XDG_CACHE_HOME or ~/.cache/org.graalvm.polyglot); a .deb or .rpm Logstash runs as `logstash`,
// whose home it cannot write, and Truffle then prints a nine-line warning at every start. The
// plugin picks a private, writable directory itself, and never overrides an admin's choice.
// Every run here has a home that no user can write, root included (a path under a regular file),
// no XDG_CACHE_HOME, and a temp dir of its own.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VERSION, seed } from '../plugin-java/harness.js';
import { filesUnder } from '../support/files.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import type { FilterPipeline } from './pipeline.js';

/** What a run on a stock install looks like to Truffle: a home nobody can write, its own temp dir. */
export interface StockHost {
  root: string;
  home: string;
  tmp: string;
  /** The environment of one run; extra JVM options appended. */
  env(...jvmOptions: string[]): Record<string, string>;
}

export function stockHost(): StockHost {
  const root = mkdtempSync(join(tmpdir(), 'misp-enrich-stock-'));
  // A regular file: nothing can be created under it, whoever asks (root bypasses a 0555 directory).
  writeFileSync(join(root, 'home-is-a-file'), '');
  const home = join(root, 'home-is-a-file', 'logstash');
  const tmp = join(root, 'tmp');
  mkdirSync(tmp);
  return {
    root,
    home,
    tmp,
    env: (...jvmOptions) => ({
      HOME: home,
      // Unset: Truffle would take it instead of the home (undefined drops it from the child's env).
      XDG_CACHE_HOME: undefined as unknown as string,
      MISP_ENRICH_JAVA_OPTS: [`-Duser.home=${home}`, `-Djava.io.tmpdir=${tmp}`, ...jvmOptions].join(' '),
    }),
  };
}

export const TRUFFLE_WARNING = /\[engine\] WARNING|truffleattach/;
export const LIBRARY = /libtruffleattach\.so$/;
const EVENT = { '@timestamp': '2026-01-02T03:04:05.678Z', destination: { ip: '203.0.113.70' } };
/** The directory the plugin makes in the JVM's temp dir when it does not know path.data. */
export const tempCacheName = `misp_enrich-${VERSION}-${userInfo().username.replace(/[^A-Za-z0-9._-]/g, '_')}`;

export function resourceCacheSuite(pipeline: FilterPipeline): void {
  let mc: MemcachedProcess;
  let host: StockHost;

  beforeAll(async () => {
    pipeline.assertBuilt();
    mc = await startMemcached();
    await seed(mc.address, entriesFor([attribute('ip-dst', '203.0.113.70', { event_id: '42' })]));
  });

  afterAll(async () => {
    await mc?.stop();
  });

  const fresh = () => {
    if (host) rmSync(host.root, { recursive: true, force: true });
    host = stockHost();
    return host;
  };
  const settings = () => ({ memcached_hosts: [mc.address], fetch_context: false });
  const enriched = (r: { events: Record<string, any>[] }) => r.events[0]?.threat?.enrichments?.[0]?.indicator?.ip;

  afterAll(() => {
    if (host) rmSync(host.root, { recursive: true, force: true });
  });

  it('starts without Truffle\'s warning, its helper in a private directory of the JVM\'s temp dir, and enriches', async () => {
    const h = fresh();
    const r = await pipeline.run({ settings: settings(), events: [EVENT], env: h.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(TRUFFLE_WARNING);
    expect(enriched(r)).toBe('203.0.113.70');
    const dir = join(h.tmp, tempCacheName);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(filesUnder(dir).some((f) => LIBRARY.test(f)), filesUnder(dir).join('\n')).toBe(true);
    expect(r.stderr).toContain(`GraalJS resource cache: ${dir}`);
  });

  it('never overrides an admin\'s -Dpolyglot.engine.userResourceCache', async () => {
    const h = fresh();
    const admin = join(h.root, 'admin-cache');
    mkdirSync(admin);
    const r = await pipeline.run({ settings: settings(), events: [EVENT], env: h.env(`-Dpolyglot.engine.userResourceCache=${admin}`) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(TRUFFLE_WARNING);
    expect(enriched(r)).toBe('203.0.113.70');
    expect(filesUnder(admin).some((f) => LIBRARY.test(f))).toBe(true);
    expect(readdirSync(h.tmp).filter((n) => n.startsWith('misp_enrich-'))).toEqual([]);
  });

  it('refuses a temp directory someone else could have planted (not owner-only), says so with a code, and still enriches', async () => {
    const h = fresh();
    const planted = join(h.tmp, tempCacheName);
    mkdirSync(planted);
    chmodSync(planted, 0o777);
    const r = await pipeline.run({ settings: settings(), events: [EVENT], env: h.env() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/MISP_ENRICH_RESOURCE_CACHE: .*open to others/);
    expect(enriched(r)).toBe('203.0.113.70');
    expect(filesUnder(planted)).toEqual([]);
  });
}
