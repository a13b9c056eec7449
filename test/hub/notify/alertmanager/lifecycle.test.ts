import { describe, expect, it } from 'vitest';
import { phaseOf } from '../../../../hub/notify/alertmanager/lifecycle.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const open = { resolution: null, regressedAt: 0, lastSeen: NOW - 60_000 };

describe('phaseOf', () => {
  it('is active while the group is open and occurred within the window', () => {
    expect(phaseOf({ type: 'new', regressedAt: 0 }, open, 0, NOW, HOUR)).toBe('active');
    expect(phaseOf({ type: 'new', regressedAt: 0 }, { ...open, lastSeen: NOW - HOUR }, 0, NOW, HOUR)).toBe('active');
  });

  it('is quiet when nothing happened within the window, by the client\'s clock or the hub\'s', () => {
    expect(phaseOf({ type: 'new', regressedAt: 0 }, { ...open, lastSeen: NOW - HOUR - 1 }, 0, NOW, HOUR)).toBe('quiet');
    expect(phaseOf({ type: 'new', regressedAt: 0 }, { ...open, lastSeen: NOW - 2 * HOUR }, NOW - 5, NOW, HOUR)).toBe('active');
  });

  it('is over once the group is resolved, gone, or in a later episode', () => {
    expect(phaseOf({ type: 'new', regressedAt: 0 }, { ...open, resolution: { at: NOW, total: 3 } }, NOW, NOW, HOUR)).toBe('over');
    expect(phaseOf({ type: 'new', regressedAt: 0 }, undefined, NOW, NOW, HOUR)).toBe('over');
    // Resolved and regressed since: the "new" alert is over, the regression is its own alert.
    expect(phaseOf({ type: 'new', regressedAt: 0 }, { ...open, regressedAt: NOW - 10 }, NOW, NOW, HOUR)).toBe('over');
    expect(phaseOf({ type: 'regressed', regressedAt: NOW - 10 }, { ...open, regressedAt: NOW - 10 }, NOW, NOW, HOUR)).toBe('active');
    expect(phaseOf({ type: 'regressed', regressedAt: NOW - 10 }, { ...open, regressedAt: NOW - 5 }, NOW, NOW, HOUR)).toBe('over');
  });
});
