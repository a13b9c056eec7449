import { describe, expect, it } from 'vitest';
import type { WireTarget } from '../../../../common/federation/messages.js';
import { indirectSourceViews, toSourceView } from '../../../../hub/api/v1/sources/presenter.js';
import { newSource } from '../../../../hub/state/sources.js';

const NOW = 1_700_000_000_000;
const target = (agent: string, url: string, up: boolean): WireTarget => ({ service: 's', url, agent, up, last_error: up ? '' : 'HTTP 500', last_scrape: NOW, duration_ms: 1, bytes: 1 });

describe('sources presenter', () => {
  it('shows a direct source with its counters, lag and target health', () => {
    const s = newSource('eu-1', 'agent', 'e1');
    Object.assign(s, { connected: true, connectedAt: NOW - 5000, lastMessageAt: NOW - 200, messagesIn: 7, bytesIn: 900, connections: 2 });
    s.ackedSeqs.set('e1', 41);
    s.targets.set('a', target('eu-1', 'http://a', true));
    s.targets.set('b', target('eu-1', 'http://b', false));
    expect(toSourceView(s, NOW)).toMatchObject({ name: 'eu-1', via: [], connected: true, last_seq: 41, lag_ms: 200, targets_up: 1, targets_down: 1, messages: 7, bytes: 900, connections: 2 });
  });

  it('lists what a child hub reports below it, routed nearest this hub first, with their targets', () => {
    // agent A -> hub M -> regional R -> this hub; agent B -> R.
    const r = newSource('regional', 'hub', 'r1');
    r.children = [
      { name: 'M', kind: 'hub', connected: true, labels: {}, epoch: 'm1', last_message_at: NOW - 1000, via: [] },
      { name: 'A', kind: 'agent', connected: false, labels: { region: 'x' }, epoch: 'a1', last_message_at: 0, via: ['M'] },
      { name: 'B', kind: 'agent', connected: true, labels: {}, epoch: 'b1', last_message_at: NOW - 10, via: [] },
    ];
    r.targets.set('1', target('A', 'http://a1', true));
    r.targets.set('2', target('A', 'http://a2', false));
    r.targets.set('3', target('B', 'http://b1', true));
    const views = indirectSourceViews(r, NOW);
    expect(views.map((v) => [v.name, v.via, v.targets_up, v.targets_down])).toEqual([
      ['M', ['regional'], 1, 1],
      ['A', ['regional', 'M'], 1, 1],
      ['B', ['regional'], 1, 0],
    ]);
    expect(views[1]).toMatchObject({ connected: false, labels: { region: 'x' }, lag_ms: null, last_seq: null, messages: 0, otlp: null });
  });

  it('shows the OTLP figures a child hub forwards for an agent below it', () => {
    const zero = { items: 0, ignored: 0, accepted: 0, overflow: 0, duplicate: 0, rejected: 0 };
    const otlp = { traces: { ...zero, items: 9, ignored: 7, accepted: 2 }, logs: zero, refused: { rate_limited: 1 } };
    const r = newSource('regional', 'hub', 'r1');
    r.children = [{ name: 'A', kind: 'agent', connected: true, labels: {}, epoch: 'a1', last_message_at: NOW, via: [], otlp }];
    expect(indirectSourceViews(r, NOW)[0]?.otlp).toEqual(otlp);
  });
});
