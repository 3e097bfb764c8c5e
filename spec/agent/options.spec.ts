// Option resolution, in process: every option is a flag, an environment variable and a config
// file key, with flag > environment > file > default, and the API key is never an option.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SUPPORTED_MISP_TYPES } from '../../plugin/core/ioc/index.js';
import { AgentError } from '../../agent/ops/errors.js';
import { OPTION_SPECS, parseOptions, readApiKey } from '../../agent/ops/options.js';
import { removeDir, ROOT, tempDir } from './support/harness.js';

const dir = tempDir('options');
afterAll(() => removeDir(dir));

const base = ['--misp-url', 'https://misp.example'];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AgentError ? err.code : 'not an AgentError';
  }
  return undefined;
}

describe('agent options', () => {
  it('has the documented defaults', () => {
    const o = parseOptions(base, {}).options;
    expect(o).toMatchObject({
      interval: 60,
      fullResync: 3600,
      memcached: ['127.0.0.1:11211'],
      insecure: false,
      once: false,
      toIdsOnly: true,
      publishedOnly: true,
      warninglists: false,
      pageSize: 2000,
      keyTtl: 86400,
    });
    expect(o.types).toEqual([...SUPPORTED_MISP_TYPES]);
  });

  it('takes each option from a flag, MISP_ENRICH_<NAME> or the config file, in that order', () => {
    const file = join(dir, 'agent.json');
    writeFileSync(file, JSON.stringify({ interval: 30, fullResync: 600, memcached: ['10.0.0.1:11211', '10.0.0.2:11211'], toIdsOnly: false, metricsListen: '127.0.0.1:9100' }));
    const fromFile = parseOptions([...base, '--config', file], {}).options;
    expect(fromFile).toMatchObject({ interval: 30, fullResync: 600, memcached: ['10.0.0.1:11211', '10.0.0.2:11211'], toIdsOnly: false, metricsListen: { host: '127.0.0.1', port: 9100 } });
    const fromEnv = parseOptions([...base, '--config', file], { MISP_ENRICH_INTERVAL: '20', MISP_ENRICH_TO_IDS_ONLY: 'true' }).options;
    expect(fromEnv).toMatchObject({ interval: 20, fullResync: 600, toIdsOnly: true });
    const fromFlag = parseOptions([...base, '--config', file, '--interval=10', '--no-to-ids-only'], { MISP_ENRICH_INTERVAL: '20' }).options;
    expect(fromFlag).toMatchObject({ interval: 10, toIdsOnly: false });
    const viaEnvConfig = parseOptions(base, { MISP_ENRICH_CONFIG: file }).options;
    expect(viaEnvConfig.interval).toBe(30);
  });

  it('accepts every declared option as a flag, an environment variable and a file key', () => {
    /** A valid value of each option whose generic one would not be, and what it needs beside it. */
    const sources = join(dir, 'more-misp-instances.json');
    writeFileSync(sources, JSON.stringify([{ name: 'partner', mispUrl: 'https://partner.example', apiKeyFile: '/tmp/partner-key', tags: ['tlp:white'] }]));
    const special: Record<string, { value: string; needs?: string[] }> = {
      sources: { value: sources },
      memcached: { value: '127.0.0.1:1' },
      types: { value: 'md5' },
      'metrics-listen': { value: '127.0.0.1:1' },
      proxy: { value: 'http://proxy.example:3128' },
      'log-level': { value: 'warn' },
      'retro-url': { value: 'https://es.example:9200', needs: [] },
      'ha-id': { value: 'agent-a', needs: ['--ha-lease', '30'] },
      feed: { value: 'osint=https://feeds.example/osint' },
      'retro-indices': { value: 'logs-x', needs: ['--retro-url', 'https://es.example:9200'] },
      'retro-alerts-index': { value: 'alerts-x', needs: ['--retro-url', 'https://es.example:9200'] },
      'retro-fields': { value: 'source.ip=ip', needs: ['--retro-url', 'https://es.example:9200'] },
      'retro-match': { value: 'keys', needs: ['--retro-url', 'https://es.example:9200'] },
      'retro-concurrency': { value: '3', needs: ['--retro-url', 'https://es.example:9200'] },
      'retro-user': { value: 'hunter', needs: ['--retro-url', 'https://es.example:9200', '--retro-password-file', '/tmp/p'] },
      'retro-password-file': { value: '/tmp/x', needs: ['--retro-url', 'https://es.example:9200', '--retro-user', 'u'] },
    };
    for (const spec of OPTION_SPECS) {
      if (spec.name === 'config' || spec.name === 'misp-url') continue;
      const generic = spec.kind === 'boolean' ? 'true' : spec.kind === 'list' ? 'x' : spec.kind === 'string' ? '/tmp/x' : spec.kind === 'fraction' ? '0.25' : '400';
      const value = special[spec.name]?.value ?? generic;
      const argv = [...base, ...(special[spec.name]?.needs ?? (spec.name.startsWith('retro-') ? ['--retro-url', 'https://es.example:9200'] : []))];
      const env = `MISP_ENRICH_${spec.name.toUpperCase().replace(/-/g, '_')}`;
      const key = spec.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      const file = join(dir, `${spec.name}.json`);
      const typed = spec.kind === 'list' ? value.split(',') : spec.kind === 'boolean' ? true : spec.kind === 'string' ? value : Number(value);
      writeFileSync(file, JSON.stringify({ [key]: typed }));
      const a = parseOptions([...argv, `--${spec.name}`, ...(spec.kind === 'boolean' ? [] : [value])], {}).options;
      const b = parseOptions(argv, { [env]: value }).options;
      const c = parseOptions([...argv, '--config', file], {}).options;
      // The option took effect: the options differ from those without it (unless it is its default).
      // (--retro-user and --retro-password-file need each other: without one there is nothing to compare.)
      const without = (() => {
        try {
          return parseOptions(argv, {}).options;
        } catch {
          return null;
        }
      })();
      if (without && JSON.stringify(spec.default) !== JSON.stringify(typed)) expect(a, `--${spec.name} changes nothing`).not.toEqual(without);
      expect(b, env).toEqual(a);
      expect(c, `config key ${key}`).toEqual(a);
    }
  });

  it('reads more MISP instances from --sources, each inheriting the agent\'s filters and TLS unless it sets its own', () => {
    const file = join(dir, 'sources-ok.json');
    writeFileSync(file, JSON.stringify([
      { name: 'partner', mispUrl: 'https://partner.example/', apiKeyFile: '/etc/keys/partner', toIdsOnly: false, tags: ['tlp:white'] },
      { name: 'cert', mispUrl: 'https://cert.example', apiKeyFile: '/etc/keys/cert', caFile: '/etc/cert-ca.pem' },
    ]));
    const o = parseOptions([...base, '--sources', file, '--exclude-tags', 'tlp:red', '--insecure'], {}).options;
    expect(o.sources).toEqual([
      { name: 'partner', mispUrl: 'https://partner.example', apiKeyFile: '/etc/keys/partner', insecure: true,
        filter: { types: [...SUPPORTED_MISP_TYPES], toIdsOnly: false, publishedOnly: true, tags: ['tlp:white'], excludeTags: ['tlp:red'] } },
      { name: 'cert', mispUrl: 'https://cert.example', apiKeyFile: '/etc/keys/cert', caFile: '/etc/cert-ca.pem', insecure: true,
        filter: { types: [...SUPPORTED_MISP_TYPES], toIdsOnly: true, publishedOnly: true, tags: [], excludeTags: ['tlp:red'] } },
    ]);
    const refused: [unknown, string, RegExp][] = [
      [{ name: 'x', mispUrl: 'https://x.example', apiKeyFile: '/k', apiKey: 'secret-in-config' }, 'MISP_ENRICH_AGENT_API_KEY', /never taken from the sources file/],
      [{ name: 'MISP', mispUrl: 'https://x.example', apiKeyFile: '/k' }, 'MISP_ENRICH_AGENT_CONFIG', /taken/],
      [{ name: 'x', mispUrl: 'ftp://x.example', apiKeyFile: '/k' }, 'MISP_ENRICH_AGENT_CONFIG', /http/],
      [{ name: 'x', mispUrl: 'https://x.example' }, 'MISP_ENRICH_AGENT_CONFIG', /apiKeyFile/],
      [{ name: 'x', mispUrl: 'https://x.example', apiKeyFile: '/k', types: ['regkey'] }, 'MISP_ENRICH_AGENT_CONFIG', /regkey/],
      [{ name: 'x', mispUrl: 'https://x.example', apiKeyFile: '/k', bogus: 1 }, 'MISP_ENRICH_AGENT_CONFIG', /unknown key bogus/],
      [null, 'MISP_ENRICH_AGENT_CONFIG', /lists no MISP instance/],
    ];
    for (const [entry, code, message] of refused) {
      // null: an empty list.
      writeFileSync(file, JSON.stringify(entry === null ? [] : [entry]));
      let err: { code?: string; message: string } | undefined;
      try {
        parseOptions([...base, '--sources', file], {});
      } catch (e) {
        err = e as { code?: string; message: string };
      }
      expect(err?.code, JSON.stringify(entry)).toBe(code);
      expect(err?.message).toMatch(message);
      expect(err?.message).not.toContain('secret-in-config');
    }
    // A feed and a MISP instance cannot share a name: it is what enrichments say in feed.name.
    writeFileSync(file, JSON.stringify([{ name: 'osint', mispUrl: 'https://x.example', apiKeyFile: '/k' }]));
    expect(() => parseOptions([...base, '--sources', file, '--feed', 'osint=/srv/feed'], {})).toThrow(/osint/);
  });

  it.each([
    [['--misp-url', 'ftp://x'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--memcached', 'nohost'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--types', 'ip-dst,regkey'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--interval', '0'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--key-ttl', '60', '--interval', '60'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--bogus'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--api-key', 'secret'], 'MISP_ENRICH_AGENT_API_KEY'],
    [[...base, '--api-key=secret'], 'MISP_ENRICH_AGENT_API_KEY'],
    [[...base, '--apikey', 'secret'], 'MISP_ENRICH_AGENT_API_KEY'],
    [[...base, '--bogus', '--api-key', 'secret'], 'MISP_ENRICH_AGENT_API_KEY'],
    [[...base, 'stray'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--', 'stray'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '-h'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--interval'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--no-interval'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--no-insecure=true'], 'MISP_ENRICH_AGENT_CONFIG'],
    [[...base, '--insecure=maybe'], 'MISP_ENRICH_AGENT_CONFIG'],
  ])('rejects %j with %s', (argv, code) => {
    expect(codeOf(() => parseOptions(argv, {}))).toBe(code);
  });

  it('names what is wrong on the command line, and never echoes an API key given there', () => {
    const messageOf = (argv: string[]) => {
      try {
        parseOptions(argv, {});
      } catch (err) {
        return (err as Error).message;
      }
      return undefined;
    };
    expect(messageOf([...base, '--bogus', '1'])).toBe('unknown option --bogus (see --help)');
    expect(messageOf([...base, 'stray'])).toBe('unexpected argument "stray" (options start with --)');
    expect(messageOf([...base, '--interval'])).toBe('option --interval needs a value');
    for (const argv of [['--api-key', 'sekrit-value'], ['--api-key=sekrit-value'], ['sekrit-value', '--apikey']]) {
      const message = messageOf([...base, ...argv]);
      expect(message).toContain('the API key is never taken from the command line');
      expect(message).not.toContain('sekrit');
    }
  });

  it('takes booleans as --flag, --flag=VALUE and --no-flag, and values as --name VALUE or --name=VALUE', () => {
    expect(parseOptions([...base, '--insecure'], {}).options.insecure).toBe(true);
    expect(parseOptions([...base, '--insecure=false'], {}).options.insecure).toBe(false);
    expect(parseOptions([...base, '--to-ids-only=no'], {}).options.toIdsOnly).toBe(false);
    expect(parseOptions([...base, '--no-published-only'], { MISP_ENRICH_PUBLISHED_ONLY: 'true' }).options.publishedOnly).toBe(false);
    expect(parseOptions([...base, '--interval', '15', '--overlap=5', '--interval=20'], {}).options).toMatchObject({ interval: 20, overlap: 5 });
    // A value may start with a dash, as before (the next argument is the value).
    expect(parseOptions([...base, '--exclude-tags', '-x,y'], {}).options.excludeTags).toEqual(['-x', 'y']);
    expect(parseOptions(['--help'], {})).toMatchObject({ help: true, version: false });
    expect(parseOptions(['--version'], {})).toMatchObject({ help: false, version: true });
  });

  it('never reads the API key from the config file, and reads it from the environment or a key file', () => {
    const file = join(dir, 'with-key.json');
    writeFileSync(file, JSON.stringify({ apiKey: 'secret-in-file' }));
    expect(codeOf(() => parseOptions([...base, '--config', file], {}))).toBe('MISP_ENRICH_AGENT_API_KEY');
    const o = parseOptions(base, {}).options;
    expect(readApiKey(o, { MISP_API_KEY: ' env-key-123456 ' })).toBe('env-key-123456');
    expect(codeOf(() => readApiKey(o, {}))).toBe('MISP_ENRICH_AGENT_API_KEY');
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, 'file-key-abcdef\n');
    expect(readApiKey(parseOptions([...base, '--api-key-file', keyFile], {}).options, { MISP_API_KEY: 'ignored' })).toBe('file-key-abcdef');
  });

  it('runs --once without following a ZeroMQ feed of the configuration, and says so; --zmq with --once on one command line is left to the agent to refuse', () => {
    const file = join(dir, 'with-zmq.json');
    writeFileSync(file, JSON.stringify({ zmq: 'tcp://misp.example:50000' }));
    const fromFile = parseOptions([...base, '--config', file, '--once'], {});
    expect(fromFile.options.zmq).toBeUndefined();
    expect(fromFile.notes).toEqual([expect.stringContaining('tcp://misp.example:50000')]);
    const fromEnv = parseOptions([...base, '--once'], { MISP_ENRICH_ZMQ: 'tcp://misp.example:50000' });
    expect(fromEnv.options.zmq).toBeUndefined();
    // Without --once the feed is followed; with both flags the contradiction reaches the agent.
    expect(parseOptions([...base, '--config', file], {}).options.zmq).toBe('tcp://misp.example:50000');
    expect(parseOptions([...base, '--once', '--zmq', 'tcp://misp.example:50000'], {}).options.zmq).toBe('tcp://misp.example:50000');
  });

  it('documents every option in agent/README.md, and the example config is valid', () => {
    const readme = readFileSync(join(ROOT, 'agent/README.md'), 'utf8');
    for (const spec of OPTION_SPECS) {
      const env = `MISP_ENRICH_${spec.name.toUpperCase().replace(/-/g, '_')}`;
      expect(readme, spec.name).toContain(`| \`--${spec.name}\` | \`${env}\` |`);
    }
    const example = join(ROOT, 'agent/agent.example.json');
    const o = parseOptions(['--config', example], {}).options;
    expect(o.mispUrl).toBe('https://misp.example.org');
    expect(o.metricsListen).toEqual({ host: '127.0.0.1', port: 9464 });
  });
});
