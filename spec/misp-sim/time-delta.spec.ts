// AppModel::resolveTimeDelta and the strtotime() formats misp-sim reads, table-driven. The
// expected values are PHP's (checked against PHP 8.2's strtotime with the default UTC zone):
// numbers are taken as they are ((int) cast), "<n><d|h|m|s>" counts back from now (a float for
// "1.5d"), text goes to strtotime(), and what strtotime cannot read is now + 1 s.
import { describe, expect, it } from 'vitest';
import { resolveTimeDelta, strtotime, timestampBounds } from '../../misp-sim/time-delta.js';
import { InternalError } from '../../misp-sim/php.js';

const NOW = 1_700_000_000; // Tue, 14 Nov 2023 22:13:20 UTC

describe('resolveTimeDelta', () => {
  it.each([
    [1700000000, 1700000000],
    ['1700000000', 1700000000],
    [' 12', 12],
    ['1e3', 1000],
    ['.5', 0],
    ['7d', NOW - 7 * 86400],
    ['12h', NOW - 12 * 3600],
    ['30M', NOW - 30 * 60],
    ['1.5d', NOW - 129600],
    ['d', NOW + 1],
    ['-7 days', NOW + 1], // ends in "s": read as "<n>s" and "-7 day" is not a number
    ['yesterday-ish', NOW + 1],
    ['not a time', NOW + 1],
    ['', NOW + 1],
    ['0x1A', NOW + 1],
    ['7 days ago', NOW - 7 * 86400],
  ])('%j → %d', (input, want) => {
    expect(resolveTimeDelta(input, NOW)).toBe(want);
  });
});

describe('strtotime', () => {
  it.each([
    ['Mon Jan  2 15:04:05 UTC 2006', 1136214245], // Go's UnixDate
    ['Mon Jan  2 15:04:05 2006', 1136214245], // Go's ANSIC
    ['Mon Jan 02 15:04:05 -0700 2006', 1136239445], // Go's RubyDate
    ['Sat Nov  1 21:03:00 UTC 2026', 1794085380], // a day name moves the date to that weekday
    ['Mon, 02 Jan 2006 15:04:05 MST', 1136239445], // RFC 1123
    ['Mon, 02 Jan 2006 15:04:05 -0700', 1136239445], // RFC 1123Z
    ['02 Jan 06 15:04 MST', 1136239440], // RFC 822
    ['Monday, 02-Jan-06 15:04:05 MST', 1136239445], // RFC 850
    ['2006-01-02T15:04:05Z', 1136214245], // RFC 3339
    ['2006-01-02T15:04:05.999+01:00', 1136210645],
    ['2006-01-02 15:04:05.999999999 -0700 MST', 1136239445], // Go's time.String()
    ['2024-01-02', 1704153600],
    ['2024-01-02 10:11:12', 1704190272],
    ['2024/01/02', 1704153600],
    ['01/02/2024', 1704153600],
    ['@1700000000', 1700000000],
    ['now', NOW],
    ['today', 1699920000],
    ['yesterday', 1699833600],
    ['tomorrow', 1700006400],
    ['noon', 1699963200],
    ['+1 week', 1700604800],
    ['-1 hour', 1699996400],
    ['2 weeks ago', 1698790400],
    ['last monday', 1699833600],
    ['x', 1700039600], // a military zone: now read in UTC-11
    ['not a time', null],
    ['tlp:white', null],
  ])('%j → %j', (input, want) => {
    expect(strtotime(input, NOW)).toBe(want);
  });
});

describe('setTimestampConditions', () => {
  it('a pair is swapped when reversed and starts unbounded at 0; a single 0 adds no bound; other lists are a 500', () => {
    expect(timestampBounds([200, 100], NOW)).toEqual({ from: 100, to: 200 });
    expect(timestampBounds([0, 100], NOW)).toEqual({ from: null, to: 100 });
    expect(timestampBounds(0, NOW)).toEqual({ from: null, to: null });
    expect(timestampBounds('1d', NOW)).toEqual({ from: NOW - 86400, to: null });
    expect(() => timestampBounds([1], NOW)).toThrow(InternalError);
    expect(() => timestampBounds([1, 2, 3], NOW)).toThrow(InternalError);
  });
});
