import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basicPassword, bearerMatches, bearerOrBasicMatches } from '../../../common/http/bearer.js';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('bearer tokens', () => {
  it('matches only "Bearer <one of the tokens>"', () => {
    expect(bearerMatches('Bearer a', ['a', 'b'])).toBe(true);
    expect(bearerMatches('Bearer b', ['a', 'b'])).toBe(true);
    expect(bearerMatches('Bearer c', ['a', 'b'])).toBe(false);
    expect(bearerMatches('bearer a', ['a'])).toBe(false);
    expect(bearerMatches(undefined, ['a'])).toBe(false);
    expect(bearerMatches('Bearer a', [])).toBe(false);
  });

  it('reads the password of Basic auth, which may hold colons', () => {
    expect(basicPassword(basic('user:pa:ss'))).toBe('pa:ss');
    expect(basicPassword(basic(':token'))).toBe('token');
    expect(basicPassword(basic('no-colon'))).toBeUndefined();
    expect(basicPassword('Bearer x')).toBeUndefined();
    expect(basicPassword(`Basic ${'A'.repeat(10_000)}`)).toBeUndefined();
  });

  it('accepts a token as Bearer or as a Basic password, never an empty password', () => {
    expect(bearerOrBasicMatches(basic('push:t'), ['t'])).toBe(true);
    expect(bearerOrBasicMatches(basic('t:'), ['t'])).toBe(false);
    expect(bearerOrBasicMatches(basic('push:'), [''])).toBe(false);
    expect(bearerOrBasicMatches('Bearer t', ['t'])).toBe(true);
  });

  it('never accepts a header that does not carry a configured token (property)', () => {
    fc.assert(fc.property(fc.string(), fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 4 }), (header, tokens) => {
      const carried = [header.startsWith('Bearer ') ? header.slice(7).trim() : undefined, basicPassword(header)];
      const expected = carried.some((c) => c !== undefined && c !== '' && tokens.includes(c));
      expect(bearerOrBasicMatches(header, tokens)).toBe(expected);
    }));
  });
});
