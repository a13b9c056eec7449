import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../common/limits.js';
import { Aggregator } from '../../../agent/aggregate/aggregator.js';
import { AggregatorStateSchema } from '../../../agent/aggregate/aggregator-state.js';

const T0 = 1_700_000_000_000;
const make = () => new Aggregator({ samplesPerGroup: 10, limits: DEFAULT_LIMITS, startMode: 'exact', startedAt: T0, startupWindowMs: 0, onChange: () => undefined });

describe('the agent\'s release and environment breakdowns', () => {
  it('count only what the group\'s count grew by (a replayed observation adds nothing)', () => {
    const a = make();
    const tagged = [{ environment: 'production', release: '1.0', count: 2, at: T0 }, { environment: 'staging', release: undefined, count: 2, at: T0 + 1 }];
    a.observe('web', 'sentry:x', [{ key: 'k', totalCount: 3, severity: 'error', createdAt: T0, rawSamples: [], tagged }], T0, false);
    a.observe('web', 'sentry:x', [{ key: 'k', totalCount: 3, severity: 'error', createdAt: T0, rawSamples: [], tagged }], T0 + 2, false);
    const g = a.group('web', 'k');
    expect(g?.count).toBe(3);
    expect([...(g?.environments ?? [])].map(([v, e]) => [v, e.count])).toEqual([['production', 2], ['staging', 1]]);
    expect([...(g?.releases ?? [])].map(([v, e]) => [v, e.count])).toEqual([['1.0', 2]]);
  });

  it('keep whole milliseconds (an OTLP time divided from nanoseconds is fractional)', () => {
    const a = make();
    a.observe('web', 'otlp:x', [{ key: 'k', totalCount: 1, severity: 'error', createdAt: T0, rawSamples: [], tagged: [{ environment: 'e', release: undefined, count: 1, at: T0 + 0.75 }] }], T0, false);
    expect(a.group('web', 'k')?.environments?.get('e')).toEqual({ count: 1, first: T0, last: T0 });
  });

  it('survive a restart with state_dir; a state file without them loads with none', () => {
    const a = make();
    a.observe('web', 'sentry:x', [{ key: 'k', totalCount: 1, severity: 'error', createdAt: T0, rawSamples: [], tagged: [{ environment: 'prod', release: '2.0', count: 1, at: T0 }] }], T0, false);
    a.observe('web', 'scrape', [{ key: 'plain', totalCount: 4, severity: 'error', createdAt: T0, rawSamples: [] }], T0, true);
    const saved = AggregatorStateSchema.parse(JSON.parse(JSON.stringify(a.exportState())));
    const b = make();
    b.importState(saved, T0);
    expect(b.group('web', 'k')?.environments).toEqual(a.group('web', 'k')?.environments);
    expect(b.group('web', 'k')?.releases).toEqual(a.group('web', 'k')?.releases);
    expect(b.group('web', 'plain')?.environments).toBeUndefined();
    const older = AggregatorStateSchema.parse({ services: [{ name: 'web', groups: [{ key: 'k', severity: 'error', createdAt: T0, lastSeen: T0, count: 5, samples: [] }], origins: [] }] });
    const c = make();
    c.importState(older, T0);
    expect([c.group('web', 'k')?.count, c.group('web', 'k')?.environments]).toEqual([5, undefined]);
  });
});
