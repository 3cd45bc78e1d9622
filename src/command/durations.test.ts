import { describe, expect, it } from 'vitest';
import { flagSeconds, shortHumanDuration } from './durations.js';
import { UsageError } from './command.js';

describe('shortHumanDuration (apimachinery ShortHumanDuration)', () => {
  const S = 1000;
  it.each([
    ['more than a second in the past', -2 * S, '<invalid>'],
    ['within the tolerated second', -1 * S, '0s'],
    ['seconds', 59 * S, '59s'],
    ['minutes, truncated', 119 * S, '1m'],
    ['hours', (2 * 3600 - 1) * S, '1h'],
    ['days', 364.9 * 86400 * S, '364d'],
    ['years', 9.99 * 365 * 86400 * S, '9y'],
  ])('%s', (_, ms, text) => expect(shortHumanDuration(ms)).toBe(text));
});

describe('flagSeconds', () => {
  it('reads Go durations', () => expect(flagSeconds('ttl', '1h30m')).toBe(5400));
  it('accepts 0 only where asked', () => {
    expect(flagSeconds('ttl', '0', { zeroAllowed: true })).toBe(0);
    expect(() => flagSeconds('validity', '0')).toThrow(UsageError);
  });
  it('names the flag in the error', () => expect(() => flagSeconds('validity', '2 days')).toThrow(/^--validity: "2 days" is not a duration/));
});
