// File hashes: lower-case hex of the exact length of the algorithm.

export const HASH_LENGTHS = { md5: 32, sha1: 40, sha256: 64, sha512: 128 } as const;
export type HashType = keyof typeof HASH_LENGTHS;

const HEX = /^[0-9a-f]+$/;

export function normalizeHash(type: HashType, input: string): string | null {
  const value = input.trim().toLowerCase();
  if (value.length !== HASH_LENGTHS[type] || !HEX.test(value)) return null;
  return value;
}
