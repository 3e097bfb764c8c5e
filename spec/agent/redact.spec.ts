// The redactor every line of the agent's output goes through: the key, and any piece of it of 8
// characters or more, wherever it appears, never anything else.
import { describe, expect, it } from 'vitest';
import { PIECE, REDACTED, Redactor } from '../../agent/ops/redact.js';

const KEY = 'a8Fz3kQ9pL2mX7vB4nR6tY1wE5uI0oPsDdGgHhJj';

describe('Redactor', () => {
  const r = new Redactor();
  r.add(KEY);
  it.each([
    ['the whole key', `auth ${KEY} failed`, `auth ${REDACTED} failed`],
    ['its first 10 characters', `key ${KEY.slice(0, 10)}... refused`, `key ${REDACTED}... refused`],
    ['a piece from the middle', `x${KEY.slice(13, 13 + PIECE)}y`, `x${REDACTED}y`],
    ['two pieces, apart', `${KEY.slice(0, 9)} and ${KEY.slice(30)}`, `${REDACTED} and ${REDACTED}`],
    ['overlapping pieces merge into one mark', `${KEY.slice(0, 12)}${KEY.slice(4, 20)}`, REDACTED],
  ])('removes %s', (_what, text, expected) => {
    expect(r.redact(text)).toBe(expected);
  });

  it('leaves text without a piece of the key alone, shorter pieces included', () => {
    const text = `sync done ${KEY.slice(0, PIECE - 1)} ${KEY.slice(20, 20 + PIECE - 1)}`;
    expect(r.redact(text)).toBe(text);
  });

  it('removes a secret shorter than a piece only as a whole', () => {
    const short = new Redactor();
    short.add('s3cr3t');
    expect(short.redact('a s3cr3t b s3cr c')).toBe(`a ${REDACTED} b s3cr c`);
  });
});
