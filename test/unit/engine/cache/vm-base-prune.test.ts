// What prune may delete of the cached VM bases: never a qcow2 something still backs onto.
import { describe, expect, it } from 'vitest';
import { decideVmPrune, type VmBaseFile } from '../../../../electron/engine/cache/vm-base-prune.js';

const IMG = '/images/debian.qcow2';
const b = (key: string, backing = IMG): VmBaseFile => ({ key, file: `/cache/${key}.qcow2`, backing });

describe('decideVmPrune', () => {
  it('removes what is wanted when nothing backs onto it', () => {
    expect(decideVmPrune([b('a'), b('b')], new Set(['a', 'b']), [])).toEqual({ remove: ['a', 'b'], keep: [] });
    expect(decideVmPrune([b('a'), b('b')], new Set(['b']), [])).toEqual({ remove: ['b'], keep: [] });
  });

  it('keeps a base a VM disk is built on, saying which VM and what to do', () => {
    const d = decideVmPrune([b('a'), b('b')], new Set(['a', 'b']), [{ backing: '/cache/a.qcow2', by: 'VM shop/web' }]);
    expect(d.remove).toEqual(['b']);
    expect(d.keep).toEqual([{ key: 'a', why: 'the disk of VM shop/web is built on it: destroy that VM first' }]);
  });

  it('keeps the chain under a kept base, and under a base that is not being removed', () => {
    const chain = [b('root'), b('mid', '/cache/root.qcow2'), b('top', '/cache/mid.qcow2')];
    const used = decideVmPrune(chain, new Set(['root', 'mid', 'top']), [{ backing: '/cache/top.qcow2', by: 'VM p/m' }]);
    expect(used.remove).toEqual([]);
    expect(used.keep.map((k) => k.key).sort()).toEqual(['mid', 'root', 'top']);
    expect(used.keep.find((k) => k.key === 'root')!.why).toBe('the cached base mid is built on it');
    const partial = decideVmPrune(chain, new Set(['root', 'mid']), []);
    expect(partial.remove).toEqual([]);
    expect(partial.keep.map((k) => k.key).sort()).toEqual(['mid', 'root']);
  });

  it('deletes children before the bases they are built on', () => {
    const chain = [b('root'), b('top', '/cache/mid.qcow2'), b('mid', '/cache/root.qcow2')];
    expect(decideVmPrune(chain, new Set(['root', 'mid', 'top']), []).remove).toEqual(['top', 'mid', 'root']);
  });

  it('a disk on the base image holds no cached base', () => {
    expect(decideVmPrune([b('a')], new Set(['a']), [{ backing: IMG, by: 'VM p/m' }]).remove).toEqual(['a']);
  });
});
