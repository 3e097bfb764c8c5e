// Errors the core raises, each with a stable code that hosts map to their own conventions
// (Logstash start-up failure, CLI exit code). Messages name the option or message at fault.

export type CoreErrorCode = 'MISP_ENRICH_CONFIG' | 'MISP_ENRICH_PROTOCOL';

export class CoreError extends Error {
  readonly code: CoreErrorCode;

  constructor(code: CoreErrorCode, message: string) {
    // The code leads the message because GraalJS hosts see only the message text.
    super(`${code}: ${message}`);
    this.name = 'CoreError';
    this.code = code;
  }
}

export function configError(option: string, problem: string): CoreError {
  return new CoreError('MISP_ENRICH_CONFIG', `option '${option}': ${problem}`);
}
