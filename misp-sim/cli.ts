#!/usr/bin/env node
// misp-sim entry point: parse options, serve, print the "listening on" line the callers wait
// for, and stop cleanly on SIGTERM/SIGINT.
import { existsSync, statSync } from 'node:fs';
import { parseArgs, USAGE, UsageError } from './args.js';
import { MispSim } from './server.js';

function log(msg: string): void {
  process.stderr.write(`misp-sim: ${msg}\n`);
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`misp-sim: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const [flag, dir] of [['--data', opts.dataDir], ['--warninglists', opts.warninglistsDir], ['--decaying-models', opts.decayingModels]] as const) {
    if (dir !== null && !(existsSync(dir) && statSync(dir).isDirectory())) {
      process.stderr.write(`misp-sim: ${flag} ${dir} is not a directory\n`);
      return 2;
    }
  }
  if (opts.describeTypes !== null && !(existsSync(opts.describeTypes) && statSync(opts.describeTypes).isFile())) {
    process.stderr.write(`misp-sim: --describe-types ${opts.describeTypes} is not a file\n`);
    return 2;
  }
  const sim = new MispSim({
    dataDir: opts.dataDir,
    apiKey: opts.apiKey,
    synthetic: opts.synthetic,
    warninglistsDir: opts.warninglistsDir,
    describeTypes: opts.describeTypes,
    decayingModelsDir: opts.decayingModels,
    zmq: opts.zmqPort === null ? null : { port: opts.zmqPort, heartbeatSeconds: opts.zmqHeartbeat },
    log,
  });
  // Handlers go in before the "listening" line: a caller may signal as soon as it reads it.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log(`${signal} received, stopping`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  const port = await sim.listen(opts.port, opts.host);
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  process.stdout.write(`listening on http://${shownHost}:${port}\n`);
  await stopped;
  await sim.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`misp-sim: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
