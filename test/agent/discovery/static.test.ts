import { describe, expect, it } from 'vitest';
import { StaticDiscoverer } from '../../../agent/discovery/static.js';
import type { TargetGroup } from '../../../agent/discovery/types.js';
import { StaticConfigSchema } from '../../../common/config/service.js';

/** Runs a discoverer for one static_configs entry and collects what it reports. */
function discover(entry: Record<string, unknown>, id?: string) {
  const discoverer = new StaticDiscoverer(StaticConfigSchema.parse(entry), id === undefined ? {} : { id });
  const updates: (readonly TargetGroup[])[] = [];
  const errors: Error[] = [];
  discoverer.run((groups) => updates.push(groups), (err) => errors.push(err));
  return { updates, errors };
}

describe('StaticDiscoverer', () => {
  it('turns each host:port target into an __address__ label set', () => {
    const { updates } = discover({ targets: ['10.0.0.1:8080', 'web:9000'] }, 'static/0');
    expect(updates).toEqual([[{
      source: 'static/0',
      targets: [{ __address__: '10.0.0.1:8080' }, { __address__: 'web:9000' }],
    }]]);
  });

  it('adds the entry labels to every target', () => {
    const { updates } = discover({ targets: ['a:1', 'b:2'], labels: { team: 'payments' } });
    expect(updates[0]?.[0]?.targets).toEqual([
      { __address__: 'a:1', team: 'payments' },
      { __address__: 'b:2', team: 'payments' },
    ]);
  });

  it('takes the scheme of a target written as a URL into __scheme__', () => {
    const { updates } = discover({ targets: ['https://web:8443', 'HTTP://web:8080/'] });
    expect(updates[0]?.[0]?.targets).toEqual([
      { __address__: 'web:8443', __scheme__: 'https' },
      { __address__: 'web:8080', __scheme__: 'http' },
    ]);
  });

  it('keeps an IPv6 address in brackets', () => {
    const { updates } = discover({ targets: ['[fd00::1]:8080', 'http://[fd00::2]:8080'] });
    expect(updates[0]?.[0]?.targets.map((t) => t.__address__)).toEqual(['[fd00::1]:8080', '[fd00::2]:8080']);
  });

  it('emits exactly once, with an empty group when there are no targets', () => {
    const { updates } = discover({});
    expect(updates).toEqual([[{ source: 'static', targets: [] }]]);
  });

  it('reports a target with a scheme other than http or https and leaves it out', () => {
    const { updates, errors } = discover({ targets: ['ftp://web:21', 'web:80'] });
    expect(errors).toHaveLength(1);
    expect(updates[0]?.[0]?.targets).toEqual([{ __address__: 'web:80' }]);
  });

  it('reports a target with a path and leaves it out', () => {
    const { updates, errors } = discover({ targets: ['http://web:80/errors'] });
    expect(errors).toHaveLength(1);
    expect(updates[0]?.[0]?.targets).toEqual([]);
  });
});
