// Starts a long-running program (misp-sim, the agent) as a child process and waits for the line
// that says it is ready. Every child is killed when this process exits, however it exits, so the
// demo and the specs leave nothing behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const children = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
}

export interface ChildService {
  child: ChildProcess;
  /** The match of the ready pattern. */
  ready: RegExpMatchArray;
  /** Everything the child wrote on stderr so far (logs), for diagnosis. */
  stderr(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  ready: RegExp;
  timeoutMs?: number;
}

export async function startService(command: string, args: string[], opts: StartOptions): Promise<ChildService> {
  hookExit();
  const child = spawn(command, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let errText = '';
  child.stderr!.on('data', (d: Buffer) => {
    errText = (errText + d.toString('utf8')).slice(-20_000);
  });
  const stop = async () => {
    children.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} ${args[0] ?? ''}: not ready after ${opts.timeoutMs ?? 30_000} ms\n${errText}`)), opts.timeoutMs ?? 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = line.match(opts.ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args[0] ?? ''} exited with code ${code} before it was ready\n${errText}`));
    });
  });
  return { child, ready, stderr: () => errText, stop };
}
