// Command-line options of misp-sim. The contract (flags and the "listening on" line) is what the
// agent's specs and the demo rely on; keep it stable.
import { parseArgs as parseArgv } from 'node:util';

export interface CliOptions {
  dataDir: string;
  port: number;
  apiKey: string;
  host: string;
  synthetic: number;
  warninglistsDir: string | null;
  describeTypes: string | null;
  decayingModels: string | null;
  zmqPort: number | null;
  zmqHeartbeat: number;
}

export const USAGE = `usage: misp-sim --data DIR --port N --api-key KEY [--host 127.0.0.1] [--synthetic N] [--warninglists DIR] [--describe-types FILE]
                [--decaying-models DIR] [--zmq-port N] [--zmq-heartbeat SECONDS]

A MISP 2.5 REST API simulator for tests and demos (see misp-sim/README.md).
  --data DIR           folder of MISP event JSON files ({"Event": {...}}), re-read when it changes
  --port N             TCP port; 0 picks a free one
  --api-key KEY        the key clients must send in the Authorization header
  --host H             address to listen on (default 127.0.0.1)
  --synthetic N        add N generated attributes (computed on demand, no memory cost)
  --warninglists DIR   folder of MISP warninglist JSON files (default: no warninglists)
  --describe-types FILE  MISP's describeTypes.json, served by /attributes/describeTypes
                       (default: a table of the types the data holds)
  --decaying-models DIR  folder of MISP decaying models (misp-decaying-models' JSON format)
                       (default: MISP's NIDS Simple Decaying Model, enabled)
  --zmq-port N         publish MISP's ZeroMQ feed on tcp://HOST:N (0 picks a free one; see
                       GET /_sim/zmq); default: no publisher
  --zmq-heartbeat S    publish misp_json_self after S seconds without another message
                       (default 10, as MISP's mispzmq.py; 0: never)`;

export class UsageError extends Error {}

const OPTIONS = ['data', 'port', 'api-key', 'host', 'synthetic', 'warninglists', 'describe-types', 'decaying-models', 'zmq-port', 'zmq-heartbeat'] as const;

export function parseArgs(argv: readonly string[]): CliOptions | 'help' {
  // Node tokenizes; non-strict so the messages are ours and a value may start with a dash.
  const { tokens } = parseArgv({
    args: [...argv],
    options: { help: { type: 'boolean', short: 'h' }, ...Object.fromEntries(OPTIONS.map((name) => [name, { type: 'string' as const }])) },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string>();
  for (const t of tokens) {
    if (t.kind === 'positional') throw new UsageError(`unexpected argument ${JSON.stringify(t.value)}`);
    if (t.kind === 'option-terminator') throw new UsageError('unexpected argument "--"');
    if (t.name === 'help') return 'help';
    if (!t.rawName.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(t.rawName)}`);
    if (!(OPTIONS as readonly string[]).includes(t.name)) throw new UsageError(`unknown option --${t.name}`);
    if (t.value === undefined) throw new UsageError(`--${t.name} needs a value`);
    values.set(t.name, t.value);
  }
  const required = (name: string): string => {
    const v = values.get(name);
    if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
    return v;
  };
  const seconds = (name: string, v: string): number => {
    if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 86400) throw new UsageError(`--${name} must be a number of seconds from 0 to 86400`);
    return Number(v);
  };
  const int = (name: string, v: string, max: number): number => {
    if (!/^\d+$/.test(v) || Number(v) > max) throw new UsageError(`--${name} must be an integer from 0 to ${max}`);
    return Number(v);
  };
  return {
    dataDir: required('data'),
    port: int('port', required('port'), 65535),
    apiKey: required('api-key'),
    host: values.get('host') ?? '127.0.0.1',
    synthetic: int('synthetic', values.get('synthetic') ?? '0', 9_000_000_000 - 1),
    warninglistsDir: values.get('warninglists') ?? null,
    describeTypes: values.get('describe-types') ?? null,
    decayingModels: values.get('decaying-models') ?? null,
    zmqPort: values.has('zmq-port') ? int('zmq-port', values.get('zmq-port')!, 65535) : null,
    zmqHeartbeat: seconds('zmq-heartbeat', values.get('zmq-heartbeat') ?? '10'),
  };
}
