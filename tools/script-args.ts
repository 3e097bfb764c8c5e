// The command line of a script (the demo, the benches, misp-sim's tools), read the same way
// everywhere: Node's parseArgs; a mistake prints the reason and the usage on stderr and exits 2;
// --help (an option the script declares) prints the usage and exits 0.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A function that reports a usage mistake of this script and exits 2. */
export function usageFailure(script: string, usage: string): (message: string) => never {
  return (message) => {
    process.stderr.write(`${script}: ${message}\n${usage}\n`);
    process.exit(2);
  };
}

/** parseArgs(config), or exit 2 with the usage on a mistake, or exit 0 with it on --help. */
export function parseScriptArgs<T extends ParseArgsConfig>(script: string, usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    return usageFailure(script, usage)((err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return parsed;
}
