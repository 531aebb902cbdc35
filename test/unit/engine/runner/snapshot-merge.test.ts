// One snapshot name held by several backends (containers and VMs) is listed as one snapshot.
import { describe, expect, it } from 'vitest';
import { mergeSnapshots } from '../../../../electron/engine/runner/snapshot.js';

describe('mergeSnapshots', () => {
  it('joins the parts of one name, keeps names apart, oldest first', () => {
    const merged = mergeSnapshots([
      { name: 's1', profile: 'p', savedAt: '2026-12-01T10:00:05Z', machines: ['web'], volumes: ['data'], sizeBytes: 10 },
      { name: 's2', profile: 'p', savedAt: '2026-11-30T10:00:00Z', machines: ['web'], volumes: [], sizeBytes: 1 },
      { name: 's1', profile: 'p', savedAt: '2026-12-01T10:00:00Z', machines: ['db', 'app'], volumes: [], sizeBytes: 5 },
    ]);
    expect(merged).toEqual([
      { name: 's2', profile: 'p', savedAt: '2026-11-30T10:00:00Z', machines: ['web'], volumes: [], sizeBytes: 1 },
      { name: 's1', profile: 'p', savedAt: '2026-12-01T10:00:00Z', machines: ['app', 'db', 'web'], volumes: ['data'], sizeBytes: 15 },
    ]);
  });
});
