// What an operator reads off the agent before anything went wrong: every series an alert can be
// written on exists at 0 from the start, the build and the process are described, the sync
// duration is a histogram; under journald each line carries its syslog priority; and a MISP URL
// or a key file that exposes the API key is said at start.
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../agent/ops/errors.js';
import { API_KEY, ROOT, runAgent } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

describe('the agent\'s metrics, log priorities and start-up warnings', () => {
  const world = useAgentWorld({ data: ['event-second.json'], agent: { args: [] } });

  it('serves every alertable series at 0 before its first failure, with build_info, process metrics and a duration histogram', async () => {
    const m = await world.agent.metrics();
    const server = world.mc.address;
    // Nothing has failed yet, and each of these is already there to be alerted on.
    for (const series of [
      'misp_enrich_agent_mass_removals_refused_total',
      'misp_enrich_agent_expired_total',
      'misp_enrich_agent_snapshot_writes_total',
      'misp_enrich_agent_sync_cycles_total{mode="full",result="error"}',
      'misp_enrich_agent_sync_cycles_total{mode="incremental",result="error"}',
      `misp_enrich_agent_misp_errors_total{code="${ErrorCodes.MISP_AUTH}"}`,
      `misp_enrich_agent_misp_errors_total{code="${ErrorCodes.MISP_UNREACHABLE}"}`,
      `misp_enrich_agent_misp_errors_total{code="${ErrorCodes.MISP_TLS}"}`,
      `misp_enrich_agent_memcached_errors_total{server="${server}"}`,
      `misp_enrich_agent_memcached_reloads_total{server="${server}",source="snapshot"}`,
      'misp_enrich_agent_indicators{kind="sha512"}',
    ]) {
      expect(m.get(series), series).toBe(0);
    }
    const version = (await runAgent(['--version'])).stdout.trim();
    expect(m.get(`misp_enrich_agent_build_info{node_version="${process.versions.node}",version="${version}"}`)).toBe(1);
    // The full sync behind waitFor() is in the histogram, bucketed.
    expect(m.get('misp_enrich_agent_sync_duration_seconds_count{mode="full"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('misp_enrich_agent_sync_duration_seconds_bucket{le="+Inf",mode="full"}')).toBe(m.get('misp_enrich_agent_sync_duration_seconds_count{mode="full"}'));
    expect(m.get('misp_enrich_agent_sync_last_duration_seconds{mode="full"}')).toBeGreaterThanOrEqual(0);
    // The process and the Node runtime, under their usual names.
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(m.get('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect([...m.keys()].some((k) => k.startsWith('nodejs_eventloop_lag_seconds'))).toBe(true);
    const text = await world.agent.metricsText();
    expect(text).toContain('# TYPE misp_enrich_agent_sync_duration_seconds histogram');
    expect(text).not.toContain(API_KEY.slice(0, 8));
  });

  it('starts each line with its syslog priority when stderr is the journal (JOURNAL_STREAM), and not otherwise', async () => {
    // systemd sets JOURNAL_STREAM to the device and inode of the stream it gives the service;
    // the shell sets it to those of the pipe the agent gets as stderr, as journald would.
    const args = ['--misp-url', world.sim.url, '--memcached', world.mc.address, '--once'];
    const agent = join(ROOT, 'dist/agent/misp-enrich-agent.js');
    const script = 'JOURNAL_STREAM="$(stat -L -c %d:%i /proc/self/fd/2)" exec "$@"';
    const journal = await new Promise<string>((done) => {
      const child = spawn('sh', ['-c', script, 'sh', process.execPath, agent, ...args], {
        env: { PATH: process.env.PATH ?? '', MISP_API_KEY: API_KEY },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('close', () => done(err));
    });
    const lines = journal.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const m = /^<([0-7])>(\{.*\})$/.exec(line);
      expect(m, line).not.toBeNull();
      const level = (JSON.parse(m![2]!) as { level: string }).level;
      expect(m![1], line).toBe({ debug: '7', info: '6', warn: '4', error: '3' }[level]);
    }
    // A JOURNAL_STREAM that names another stream (inherited from a parent) is not the journal.
    const plain = await runAgent(args, { MISP_API_KEY: API_KEY, JOURNAL_STREAM: '1:1' });
    expect(plain.code).toBe(0);
    for (const line of plain.stderr.trim().split('\n')) expect(line.startsWith('{'), line).toBe(true);
  });

  it('warns at start, with a code and without the key, about a plain-HTTP MISP off this host and a key file others can read', async () => {
    const keyFile = join(world.workDir, 'api-key');
    writeFileSync(keyFile, `${API_KEY}\n`);
    chmodSync(keyFile, 0o644);
    // misp.invalid never resolves: the run fails, after the warnings.
    const r = await runAgent(['--misp-url', 'http://misp.invalid:8080', '--memcached', world.mc.address, '--api-key-file', keyFile,
      '--once', '--retries', '0', '--timeout', '2'], {});
    const warnings = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: string; code?: string; msg: string }).filter((l) => l.level === 'warn');
    expect(warnings.map((w) => w.code)).toEqual(expect.arrayContaining([ErrorCodes.PLAIN_HTTP, ErrorCodes.KEY_FILE_MODE]));
    expect(warnings.find((w) => w.code === ErrorCodes.KEY_FILE_MODE)!.msg).toContain('0644');
    expect(r.stderr).not.toContain(API_KEY.slice(0, 8));

    // Neither for https, a loopback http MISP (the key stays on the host) or a key file of mode 0640.
    chmodSync(keyFile, 0o640);
    const quiet = await runAgent(['--misp-url', world.sim.url, '--memcached', world.mc.address, '--api-key-file', keyFile, '--once'], {});
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain(ErrorCodes.PLAIN_HTTP);
    expect(quiet.stderr).not.toContain(ErrorCodes.KEY_FILE_MODE);
  });

  it('warns the same about a --sources instance, also with no --misp-url', async () => {
    const keyFile = join(world.workDir, 'partner-key');
    writeFileSync(keyFile, `${API_KEY}\n`);
    chmodSync(keyFile, 0o644);
    const sources = join(world.workDir, 'warn-sources.json');
    writeFileSync(sources, JSON.stringify([{ name: 'partner', mispUrl: 'http://partner.invalid:8080', apiKeyFile: keyFile }]));
    const r = await runAgent(['--sources', sources, '--memcached', world.mc.address, '--once', '--retries', '0', '--timeout', '2'], {});
    const warnings = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: string; code?: string; msg: string }).filter((l) => l.level === 'warn');
    expect(warnings.find((w) => w.code === ErrorCodes.PLAIN_HTTP)!.msg).toContain('--sources instance partner: mispUrl http://partner.invalid:8080 is plain HTTP');
    expect(warnings.find((w) => w.code === ErrorCodes.KEY_FILE_MODE)!.msg).toContain('--sources instance partner: apiKeyFile');
    expect(r.stderr).not.toContain(API_KEY.slice(0, 8));
  });
});
