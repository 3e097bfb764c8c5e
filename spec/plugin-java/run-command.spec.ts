// misp-enrich-run as an admin calls it: through a symlink (npm link, node_modules/.bin, a copy in
// /usr/local/bin), with --help or -h, and with --schema to see every option with its type and
// default.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertJarsBuilt, RUN_BIN, VERSION } from './harness.js';

let linkDir: string;
let link: string;

const run = (file: string, args: string[]) =>
  spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', JAVA_HOME: process.env.JAVA_HOME ?? '' } });

beforeAll(() => {
  assertJarsBuilt();
  linkDir = mkdtempSync(join(tmpdir(), 'misp-enrich-run-link-'));
  link = join(linkDir, 'misp-enrich-run');
  symlinkSync(RUN_BIN, link);
});

afterAll(() => rmSync(linkDir, { recursive: true, force: true }));

describe('misp-enrich-run', () => {
  it('runs when called through a symlink, as npm link and node_modules/.bin call it', () => {
    const r = run(link, ['--schema']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).length).toBeGreaterThan(10);
  });

  it.each(['--help', '-h'])('answers %s with its usage on stdout, directly and through a symlink', (flag) => {
    for (const file of [RUN_BIN, link]) {
      const r = run(file, [flag]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: misp-enrich-run --settings FILE --input FILE\|- --output FILE\|-/);
      for (const option of ['--workers', '--batch-size', '--report', '--log-level', '--schema']) expect(r.stdout).toContain(option);
      expect(r.stderr).toBe('');
    }
  });

  it('prints its version', () => {
    expect(run(link, ['--version']).stdout.trim()).toBe(VERSION);
  });

  it('prints each option with its Logstash value type, whether it is required, and its default (never a password\'s)', () => {
    const r = run(RUN_BIN, ['--schema', '--output', '-']);
    expect(r.status, r.stderr).toBe(0);
    const byName = new Map((JSON.parse(r.stdout) as { name: string; type: string; required: boolean; default: unknown }[]).map((o) => [o.name, o]));
    expect(byName.get('memcached_hosts')).toEqual({ name: 'memcached_hosts', type: 'array', required: false, default: ['127.0.0.1:11211'] });
    expect(byName.get('fetch_context')).toMatchObject({ type: 'boolean', default: true });
    expect(byName.get('context_cache_size')).toMatchObject({ type: 'number', default: 10000 });
    expect(byName.get('misp_api_key')).toMatchObject({ type: 'password', default: null });
    expect(byName.get('misp_url')).toMatchObject({ type: 'uri' });
    expect(byName.get('fields')).toMatchObject({ type: 'hash' });
  });

  it('refuses an unknown option with its usage and exit code 2', () => {
    const r = run(link, ['--no-such-option']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option --no-such-option');
  });
});
