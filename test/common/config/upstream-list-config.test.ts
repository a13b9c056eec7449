import { describe, expect, it } from 'vitest';
import { HubConfigSchema, MAX_UPSTREAMS } from '../../../common/config/schema.js';

const parent = (host: string) => ({ url: `ws://${host}:7777/federate`, token: 'secret-token' });
const parse = (upstream: unknown) => HubConfigSchema.safeParse({ upstream });

describe('hub.upstream: one parent or a list', () => {
  it('keeps the single-object form working, parsed as a list of one', () => {
    const r = parse({ ...parent('global'), name: 'eu' });
    expect(r.success && r.data.upstream).toEqual([{ ...parent('global'), name: 'eu', labels: {}, flush_interval: 200 }]);
  });

  it('takes a list of parents, each with its own settings', () => {
    const r = parse([{ ...parent('global-a'), flush_interval: '1s' }, parent('global-b')]);
    expect(r.success && r.data.upstream?.map((u) => [u.url, u.flush_interval])).toEqual([[parent('global-a').url, 1_000], [parent('global-b').url, 200]]);
  });

  it('leaves upstream undefined when absent', () => {
    const r = HubConfigSchema.safeParse({});
    expect(r.success && r.data.upstream).toBeUndefined();
  });

  it('names the path of a mistake in either form', () => {
    const single = parse({ url: 'http://global', token: 'secret-token' });
    expect(single.success ? [] : single.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['upstream.url', 'expected a ws:// or wss:// URL']]);
    const listed = parse([parent('a'), { url: 'http://b', token: 'secret-token' }]);
    expect(listed.success ? [] : listed.error.issues.map((i) => i.path.join('.'))).toEqual(['upstream.1.url']);
  });

  it('refuses an empty list, a parent listed twice, and more than the cap', () => {
    expect(parse([]).success).toBe(false);
    const twice = parse([parent('a'), parent('a')]);
    expect(twice.success ? '' : twice.error.issues[0]?.message).toMatch(/listed twice/);
    expect(parse(Array.from({ length: MAX_UPSTREAMS }, (_, i) => parent(`h${i}`))).success).toBe(true);
    expect(parse(Array.from({ length: MAX_UPSTREAMS + 1 }, (_, i) => parent(`h${i}`))).success).toBe(false);
  });
});
