// Everything the core may use beyond the ECMAScript 2022 library. The core runs in GraalJS with
// the sandbox defaults (no Java interop, no Node, no console, no timers), so the compiler is
// configured (plugin/core/tsconfig.json: types [], lib ES2022) to reject anything not declared
// here. `Java.type`, `require`, `process` or `setTimeout` in core code fail type checking.

/** The product version, inlined by esbuild from the VERSION file at build time. */
declare const __MISP_ENRICH_VERSION__: string;
