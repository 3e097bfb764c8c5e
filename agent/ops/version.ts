// The product version, injected by esbuild from the VERSION file (scripts/build.mjs).
declare const __MISP_ENRICH_VERSION__: string;

export const AGENT_VERSION: string = typeof __MISP_ENRICH_VERSION__ === 'string' ? __MISP_ENRICH_VERSION__ : '0.0.0-dev';
