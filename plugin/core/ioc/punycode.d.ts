// The npm punycode package, imported by file so Node never substitutes its deprecated built-in
// module of the same name. Only what the vocabulary uses is declared.
declare module 'punycode/punycode.es6.js' {
  export function toASCII(domain: string): string;
}
