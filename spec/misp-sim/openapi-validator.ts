// Validates the simulator's responses against MISP's own OpenAPI description
// (../shared/misp/openapi.yaml): the response schema of the documented operation and status,
// with $refs resolved into #/components/schemas and OpenAPI 3.0's "nullable" turned into JSON
// Schema, so the simulator cannot drift from what a real MISP documents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { SHARED_MISP } from './sim-process.js';

type Schema = Record<string, unknown>;
const ROOT_ID = 'misp-openapi';

function isObj(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** OpenAPI 3.0 schema → JSON Schema (draft 7 as ajv's default understands it). */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!isObj(node)) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#\//, `${ROOT_ID}#/`);
    else if (k === 'nullable' || k === 'example' || k === 'examples') continue;
    else out[k] = convert(v);
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    if (out.type === undefined) return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

export interface OpenApiChecker {
  /** Schema errors (empty when valid) for a response of the documented operation. */
  check(pathTemplate: string, method: string, status: number, body: unknown): string[];
  /** Schema errors for a value checked against one of #/components/schemas. */
  checkSchema(name: string, value: unknown): string[];
  /** The header schemas the operation documents for that status. */
  headers(pathTemplate: string, method: string, status: number): Record<string, Schema>;
}

export function loadMispOpenApi(): OpenApiChecker {
  const doc = parse(readFileSync(join(SHARED_MISP, 'openapi.yaml'), 'utf8')) as Schema;
  const components = doc.components as Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The formats MISP's description uses, checked as MISP means them.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  ajv.addFormat('date-time', { validate: (s: string) => !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addSchema({ $id: ROOT_ID, components: { schemas: convert(components.schemas) } });
  const compiled = new Map<string, ValidateFunction>();

  const responseOf = (pathTemplate: string, method: string, status: number): Schema => {
    const paths = doc.paths as Record<string, Record<string, Schema>>;
    const op = paths[pathTemplate]?.[method.toLowerCase()];
    if (!op) throw new Error(`openapi.yaml documents no ${method} ${pathTemplate}`);
    const responses = op.responses as Record<string, Schema>;
    let resp = responses[String(status)] ?? responses.default;
    if (!resp) throw new Error(`openapi.yaml documents no ${status} for ${method} ${pathTemplate}`);
    if (typeof resp.$ref === 'string') {
      const name = resp.$ref.split('/').pop()!;
      resp = (components.responses as Record<string, Schema>)[name]!;
    }
    return resp;
  };

  return {
    check(pathTemplate, method, status, body) {
      const key = `${method} ${pathTemplate} ${status}`;
      let validate = compiled.get(key);
      if (!validate) {
        const resp = responseOf(pathTemplate, method, status);
        const schema = ((resp.content as Schema)['application/json'] as Schema).schema;
        validate = ajv.compile(convert(schema) as Schema);
        compiled.set(key, validate);
      }
      if (validate(body)) return [];
      return (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params).slice(0, 200)}`);
    },
    checkSchema(name, value) {
      const validate = ajv.getSchema(`${ROOT_ID}#/components/schemas/${name}`);
      if (!validate) throw new Error(`openapi.yaml has no schema ${name}`);
      if (validate(value)) return [];
      return (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
    },
    headers(pathTemplate, method, status) {
      const resp = responseOf(pathTemplate, method, status);
      const out: Record<string, Schema> = {};
      for (const [name, h] of Object.entries((resp.headers as Record<string, Schema>) ?? {})) {
        const ref = typeof h.$ref === 'string' ? (components.headers as Record<string, Schema>)[h.$ref.split('/').pop()!]! : h;
        out[name] = ref.schema as Schema;
      }
      return out;
    },
  };
}
