// The indicator vocabulary: datatypes, normalization, the key scheme and the stored value
// format. A leaf: it imports nothing else from the project, so the agent can use it without
// depending on the rest of the plugin.
export * from './datatypes.js';
export * from './dns-name.js';
export * from './email.js';
export * from './hash.js';
export * from './ip.js';
export * from './keys.js';
export * from './misp-types.js';
export * from './normalize.js';
export * from './summary.js';
export * from './url.js';
export * from './hunt.js';
