// A child process whose stdout and stderr are kept line by line, for the specs to read, and
// whose exit can be awaited. misp-sim and the agent both run as one.
import type { ChildProcess } from 'node:child_process';

function collectLines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  let buf = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      into.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  stream?.on('end', () => {
    if (buf) into.push(buf);
  });
}

/** The lines that are JSON (a JSON logger's records), parsed; the other lines left out. */
export function jsonLines<T = Record<string, unknown>>(lines: readonly string[]): T[] {
  return lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as T];
    } catch {
      return [];
    }
  });
}

export class Proc {
  readonly out: string[] = [];
  readonly err: string[] = [];
  exitCode: number | null = null;
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    collectLines(child.stdout, this.out);
    collectLines(child.stderr, this.err);
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      this.exitCode = code;
      resolve(code);
    }));
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.exitCode === null && this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}
