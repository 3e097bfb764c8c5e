// The npm punycode package, imported by file so Node never substitutes its deprecated built-in
// module of the same name. Only what the project uses is declared: the vocabulary's toASCII, and
// toUnicode for the retro-hunt's spellings of an IDN name (agent/retro/hunt-query.ts).
declare module 'punycode/punycode.es6.js' {
  export function toASCII(domain: string): string;
  export function toUnicode(domain: string): string;
}
