import { describe, expect, it } from 'vitest';
import { groupErrors, groupTitle } from '../../../renderer/src/state/errors';

const engineDown = { name: 'DockerError', message: 'the Docker engine does not answer', hint: 'start it' };

describe('one error card per cause', () => {
  it('groups the same failure reported for the run and for each machine', () => {
    const groups = groupErrors([
      { who: 'web', error: engineDown },
      { who: 'db', error: { ...engineDown } },
      { who: 'cache', error: undefined },
      { who: 'the run', error: engineDown },
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.who).toEqual(['web', 'db', 'the run']);
    expect(groupTitle(groups[0]!)).toBe('web and db failed');
  });

  it('keeps different causes (or places) apart', () => {
    const groups = groupErrors([
      { who: 'web', error: { name: 'E', message: 'x', where: 'a.yaml:1:1' } },
      { who: 'db', error: { name: 'E', message: 'x', where: 'a.yaml:2:1' } },
      { who: 'the run', error: { name: 'E', message: 'y' } },
    ]);
    expect(groups.map((g) => g.who)).toEqual([['web'], ['db'], ['the run']]);
    expect(groupTitle(groups[2]!)).toBe('The run failed');
    expect(groupTitle({ error: engineDown, who: ['a', 'b', 'c'] })).toBe('a, b and c failed');
  });
});
