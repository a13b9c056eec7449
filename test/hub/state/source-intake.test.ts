import { describe, expect, it } from 'vitest';
import type { Intake } from '../../../common/federation/intake.js';
import { groupBoundsView, indirectSourceViews, toSourceView } from '../../../hub/api/v1/sources/presenter.js';
import { HubLinkSource } from '../../../hub/federation/hub-link-source.js';
import { newSource } from '../../../hub/state/sources.js';
import { HubState } from '../../../hub/state/hub-state.js';
import type { StateEvent } from '../../../hub/state/state-event.js';
import { wireGroup } from '../../helpers/builders.js';

const zero = { items: 0, ignored: 0, accepted: 0, overflow: 0, duplicate: 0, rejected: 0 };
const intake = (accepted: number): Intake => ({ otlp: { traces: { ...zero, items: accepted, accepted }, logs: zero, refused: { rate_limited: 2 } } });

describe('an agent\'s intake figures at the hub', () => {
  it('are kept per source as last reported, shown as its otlp figures, and announced as a source change not forwarded upstream', () => {
    const state = new HubState({ samplesPerGroup: 5 });
    const events: StateEvent[] = [];
    state.onEvent((e) => events.push(e));
    const source = state.source('agent-1', 'agent', 'e1');
    const own = state.lineages.intern('agent-1', 'e1', {}, []).id;
    const refs = (r: number) => (r === 0 ? own : undefined);
    state.mergeMessage(source, { t: 'delta', seq: 1, services: [], targets: [], intake: intake(1) }, refs);
    state.mergeMessage(source, { t: 'delta', seq: 2, services: [], targets: [], intake: intake(4) }, refs);
    expect(toSourceView(source, Date.now()).otlp).toEqual(intake(4).otlp);
    expect(events.map((e) => (e.type === 'source' ? e.intakeOnly : e.type))).toEqual([true, true]);

    // A message without the field (an older agent, or nothing changed) keeps the last figures.
    state.mergeMessage(source, { t: 'delta', seq: 3, services: [{ name: 's', groups: [wireGroup('A', [[0, 1]])] }], targets: [] }, refs);
    expect(toSourceView(source, Date.now()).otlp?.traces.accepted).toBe(4);
    expect(toSourceView(state.source('agent-2', 'agent', 'e1'), Date.now()).otlp).toBeNull();
  });
});

describe('groupBoundsView', () => {
  it('shows the configured bounds, unbounded ones as null, and what they forgot and refused', () => {
    const state = new HubState({ samplesPerGroup: 5, maxGroupsPerSource: 1, retentionMs: 86_400_000 });
    const source = state.source('agent-1', 'agent', 'e1');
    const own = state.lineages.intern('agent-1', 'e1', {}, []).id;
    state.mergeMessage(source, { t: 'delta', seq: 1, services: [{ name: 's', groups: [wireGroup('A', [[0, 1]]), wireGroup('B', [[0, 1]])] }], targets: [] }, (r) => (r === 0 ? own : undefined));
    expect(groupBoundsView(state)).toEqual({
      held: 1, max_groups: null, per_source: 1, retention_ms: 86_400_000,
      forgotten: { retention: 0, max_groups: 0 }, refused: { max_groups: 0, source_limit: 1 },
    });
    expect(toSourceView(source, Date.now(), state.bounds.groupsOf('agent-1'))).toMatchObject({ groups: 1, groups_refused: 1 });
  });
});

describe('intake figures up the hierarchy', () => {
  it('go with a hub\'s source list to its parent, which shows them for the agent below the child hub', () => {
    const state = new HubState({ samplesPerGroup: 5 });
    const agent = state.source('agent-1', 'agent', 'e1');
    agent.intake = intake(3);
    state.source('agent-2', 'agent', 'e1');
    const list = new HubLinkSource(state).sourcesStatus();
    expect(list.map((s) => [s.name, s.otlp?.traces.accepted])).toEqual([['agent-1', 3], ['agent-2', undefined]]);
    expect(list[1]).not.toHaveProperty('otlp');
    const child = newSource('regional', 'hub', 'r1');
    child.children = list;
    expect(indirectSourceViews(child, Date.now()).map((v) => v.otlp?.traces.accepted ?? null)).toEqual([3, null]);
  });
});
