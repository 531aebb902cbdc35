import { describe, expect, it } from 'vitest';
import type { RunResourceChange } from '../../../../shared/history.js';
import { planDifferences } from '../../../../electron/engine/runner/plan-check.js';

const r = (name: string, after: string, status: RunResourceChange['status'] = 'pending'): RunResourceChange => ({
  machine: 'web',
  resource: { id: `file:${name}`, kind: 'file', name },
  status,
  changes: [{ field: 'content', summary: `content → ${after}`, before: 'x', after }],
});

describe('a plan compared with the machine now', () => {
  it('is the same when every pending change is the same', () => {
    expect(planDifferences([r('/a', '1'), r('/b', '2')], [r('/b', '2'), r('/a', '1')])).toEqual([]);
  });

  it('names a change that differs, one that appeared and one that went away', () => {
    const d = planDifferences([r('/a', '1'), r('/b', '2')], [r('/a', '9'), r('/c', '3')]);
    expect(d).toEqual([
      'web file /a: the plan showed content → 1, now content → 9',
      'web file /b: was to change (content → 2), now in sync',
      'web file /c: now differs (content → 3), which the plan did not show',
    ]);
  });

  it('sees a change of the value behind the same summary', () => {
    const a = r('/a', '1');
    const b = { ...a, changes: [{ ...a.changes[0]!, diff: '-x\n+1 other' }] };
    expect(planDifferences([a], [b])).toHaveLength(1);
  });
});
