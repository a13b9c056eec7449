import { describe, expect, it } from 'vitest';
import { keyFromAuthHeader, keyFromDsn, keyFromRequest } from '../../../../agent/ingest/sentry/auth.js';

const KEY = '0123456789abcdef0123456789abcdef';

describe('Sentry DSN key', () => {
  it('is read from X-Sentry-Auth whatever the order and spacing of its fields', () => {
    expect(keyFromAuthHeader(`Sentry sentry_version=7, sentry_client=raven-python/1.0, sentry_key=${KEY}, sentry_secret=s`)).toBe(KEY);
    expect(keyFromAuthHeader(`sentry sentry_key=${KEY},sentry_version=7`)).toBe(KEY);
    expect(keyFromAuthHeader(`Sentry  sentry_key = ${KEY}`)).toBe(KEY);
  });

  it('is absent from a header of another scheme or without sentry_key', () => {
    expect(keyFromAuthHeader(`Bearer ${KEY}`)).toBeUndefined();
    expect(keyFromAuthHeader('Sentry sentry_version=7')).toBeUndefined();
    expect(keyFromAuthHeader('Sentry sentry_key=')).toBeUndefined();
    expect(keyFromAuthHeader(undefined)).toBeUndefined();
  });

  it('is read from the user part of a DSN', () => {
    expect(keyFromDsn(`https://${KEY}@o1.ingest.example.com/42`)).toBe(KEY);
    expect(keyFromDsn(`http://${KEY}:secret@127.0.0.1:9000/1`)).toBe(KEY);
    expect(keyFromDsn('http://127.0.0.1/1')).toBeUndefined();
    expect(keyFromDsn('not a url')).toBeUndefined();
    expect(keyFromDsn(null)).toBeUndefined();
  });

  it('prefers X-Sentry-Auth, then Authorization, then the sentry_key query parameter', () => {
    expect(keyFromRequest({ 'x-sentry-auth': 'Sentry sentry_key=a', authorization: 'Sentry sentry_key=b' }, { sentry_key: 'c' })).toBe('a');
    expect(keyFromRequest({ authorization: 'Sentry sentry_key=b' }, { sentry_key: 'c' })).toBe('b');
    expect(keyFromRequest({}, { sentry_key: ['c', 'd'] })).toBe('c');
    expect(keyFromRequest({}, {})).toBeUndefined();
  });
});
