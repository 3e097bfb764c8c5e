// ECS's own field definitions, for checking the mapping and the output against them: the
// `EcsFlat` table (type, ignore_above, multi-fields, expected values of every ECS field) of the
// @elastic/ecs package that Elastic generates from the ECS repository. Taken from node_modules
// when the project has it, else fetched once with npm from the registry into .tmp/ecs/ (no
// network at all: the specs that need it skip, saying why).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export const ECS_PACKAGE = '@elastic/ecs';
export const ECS_PACKAGE_VERSION = '9.4.0';

export interface EcsField {
  flat_name: string;
  type: string;
  ignore_above?: number;
  multi_fields?: { flat_name: string; name: string; type: string }[];
  expected_values?: string[];
  normalize?: string[];
}

const ROOT = resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);

function packageDir(): string {
  const installed = join(ROOT, 'node_modules', ECS_PACKAGE);
  if (existsSync(join(installed, 'package.json'))) {
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    if (version === ECS_PACKAGE_VERSION) return installed;
  }
  const cached = join(ROOT, '.tmp/ecs', ECS_PACKAGE_VERSION, 'package');
  if (existsSync(join(cached, 'package.json'))) return cached;
  mkdirSync(join(ROOT, '.tmp/ecs'), { recursive: true });
  const work = mkdtempSync(join(ROOT, '.tmp/ecs', 'fetch-'));
  try {
    execFileSync('npm', ['pack', `${ECS_PACKAGE}@${ECS_PACKAGE_VERSION}`, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('tar', ['-xzf', join(work, `elastic-ecs-${ECS_PACKAGE_VERSION}.tgz`), '-C', work]);
    mkdirSync(join(cached, '..'), { recursive: true });
    if (!existsSync(cached)) renameSync(join(work, 'package'), cached);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return cached;
}

let table: Record<string, EcsField> | null = null;
let failure: string | null = null;

/** ECS's flat field table, or null with loadFailure() saying why it could not be had. */
export function ecsFlat(): Record<string, EcsField> | null {
  if (table || failure) return table;
  try {
    table = (require(join(packageDir(), 'build/commonjs/ecs_flat.js')) as { EcsFlat: Record<string, EcsField> }).EcsFlat;
  } catch (err) {
    failure = `${ECS_PACKAGE}@${ECS_PACKAGE_VERSION} could not be loaded or fetched: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  return table;
}

export function ecsLoadFailure(): string | null {
  ecsFlat();
  return failure;
}
