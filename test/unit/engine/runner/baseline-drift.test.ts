// Baseline drift as a specification: a local machine's facts against the production host it mirrors.

import { describe, expect, it } from 'vitest';
import type { MachineSpec, ResourceSpec } from '../../../../shared/profile.js';
import { compareWithBaseline, pathsToGather } from '../../../../electron/engine/runner/baseline-drift.js';
import { reconcilePlan } from '../../../../electron/engine/runner/reconcile.js';
import { localFacts, prodHost } from './drift-fixtures.js';

const res = (r: Record<string, unknown> & { kind: string; name: string }) => ({ id: `${r.kind}:${r.name}`, state: 'present', ...r }) as unknown as ResourceSpec;

function machine(resources: ResourceSpec[]): MachineSpec {
  return { name: 'web', mirrors: 'web-1', resources };
}

const RESOURCES = [
  res({ kind: 'package', name: 'nginx' }),
  res({ kind: 'package', name: 'tree' }),
  res({ kind: 'package', name: 'less' }),
  res({ kind: 'package', name: 'vim' }),
  res({ kind: 'file', name: '/etc/shop.conf', content: 'x\n' }),
  res({ kind: 'directory', name: '/srv/www' }),
  res({ kind: 'user', name: 'shop', groups: [], system: false }),
  res({ kind: 'group', name: 'www-data', system: false }),
  res({ kind: 'service', name: 'nginx' }),
  res({ kind: 'env', name: 'SHOP_ENV', value: 'dev' }),
  res({ kind: 'env', name: 'DB_PASSWORD', value: 'x' }),
];

const summary = (fs: ReturnType<typeof compareWithBaseline>) => fs.map((f) => `${f.status} ${f.resource.kind} ${f.resource.name}`);

describe('drift against a baseline host', () => {
  const findings = compareWithBaseline({ machine: machine(RESOURCES), hostName: 'web-1', host: prodHost(), facts: localFacts() });

  it('lists one finding per compared item, with status, kind and name', () => {
    expect(summary(findings)).toEqual([
      'in-sync os os-release',
      'in-sync package nginx',
      'missing package tree',
      'extra package less',
      'in-sync package vim',
      'drifted file /etc/shop.conf',
      'in-sync file /etc/gone.conf',
      'missing file /etc/only-prod.conf',
      'in-sync directory /srv/www',
      'drifted user shop',
      'in-sync user ghost',
      'missing group www-data',
      'in-sync group legacy',
      'drifted service nginx',
      'drifted env SHOP_ENV',
      'in-sync env DB_PASSWORD',
    ]);
  });

  it("says expected = production's value and actual = this machine's", () => {
    const tree = findings.find((f) => f.resource.name === 'tree')!;
    expect(tree).toMatchObject({ machine: 'web', against: 'web-1', expected: '2.1.0-1', actual: null });
    const less = findings.find((f) => f.resource.name === 'less')!;
    expect(less).toMatchObject({ expected: null, actual: '590-2' });
    const svc = findings.find((f) => f.resource.kind === 'service')!;
    expect(svc).toMatchObject({ expected: 'running', actual: 'stopped' });
  });

  it('reports file content by hash (a baseline has no content), and mode, owner, group', () => {
    const f = findings.find((x) => x.resource.name === '/etc/shop.conf')!;
    expect(f.changes.map((c) => c.summary)).toEqual([`content differs (sha256 ${'b'.repeat(12)}…→${'a'.repeat(12)}…)`, 'mode 0644 → 0640', 'group root → shop']);
    expect(f.changes.some((c) => c.diff)).toBe(false);
  });

  it('compares user groups as sets', () => {
    const f = findings.find((x) => x.resource.kind === 'user' && x.resource.name === 'shop')!;
    expect(f.changes).toEqual([{ field: 'groups', summary: 'groups shop → shop,www-data (production)', before: 'shop', after: 'shop,www-data' }]);
  });

  it('never compares a redacted value, only its presence', () => {
    expect(findings.find((x) => x.resource.name === 'DB_PASSWORD')!.status).toBe('in-sync');
    expect(JSON.stringify(findings)).not.toContain('hunter2');
  });

  it('reports a different OS release', () => {
    const fs = compareWithBaseline({ machine: machine([]), hostName: 'web-1', host: prodHost(), facts: localFacts({ os: { id: 'ubuntu', versionId: '24.04', prettyName: 'Ubuntu', kernelName: 'Linux' } }) });
    expect(fs.filter((f) => f.resource.kind === 'os')).toEqual([
      { machine: 'web', against: 'web-1', resource: { id: 'os', kind: 'os', name: 'os-release' }, status: 'drifted', expected: 'debian 12', actual: 'ubuntu 24.04', changes: [{ field: 'release', summary: 'os ubuntu 24.04 → debian 12 (production)', before: 'ubuntu 24.04', after: 'debian 12' }] },
    ]);
  });

  it('reports a file where production has a directory', () => {
    const fs = compareWithBaseline({ machine: machine([]), hostName: 'web-1', host: prodHost({ files: {} }), facts: localFacts({ paths: { '/srv/www': { type: 'file', sha256: null, mode: '644', owner: 'root', group: 'root' } } }) });
    expect(fs.find((f) => f.resource.name === '/srv/www')!.changes[0]!.summary).toBe('a file here, a directory in production');
  });

  it('asks the local probe for every path the baseline records', () => {
    expect(pathsToGather(prodHost()).sort()).toEqual(['/etc/gone.conf', '/etc/only-prod.conf', '/etc/shop.conf', '/srv/www']);
  });
});

describe('reconcile plan', () => {
  const host = prodHost();
  const m = machine(RESOURCES);
  const findings = compareWithBaseline({ machine: m, hostName: 'web-1', host, facts: localFacts() });
  const plan = reconcilePlan(m, host, findings);
  const spec = (kind: string, name: string) => plan.spec.resources.find((r) => r.kind === kind && r.name === name) as unknown as Record<string, unknown>;

  it("pins drifted and missing packages to production's exact version", () => {
    expect(spec('package', 'tree')).toMatchObject({ state: 'present', version: '2.1.0-1' });
    expect(spec('package', 'nginx')).not.toHaveProperty('version');
  });

  it('removes a package production lacks only because the profile names it', () => {
    expect(spec('package', 'less')).toMatchObject({ state: 'absent' });
    expect(spec('package', 'less')).not.toHaveProperty('version');
    expect(spec('package', 'vim')).toMatchObject({ state: 'present' });
  });

  it("takes production's mode, owner and group for files, and keeps the profile's content", () => {
    expect(spec('file', '/etc/shop.conf')).toMatchObject({ mode: '0640', owner: 'root', group: 'shop', content: 'x\n' });
  });

  it('adds production groups to users, and takes service state and visible env values', () => {
    expect(spec('user', 'shop')).toMatchObject({ groups: ['shop', 'www-data'] });
    expect(spec('service', 'nginx')).toMatchObject({ state: 'running' });
    expect(spec('env', 'SHOP_ENV')).toMatchObject({ value: 'prod' });
    expect(spec('env', 'DB_PASSWORD')).toMatchObject({ value: 'x' });
  });

  it('says what it cannot fix and why', () => {
    expect(plan.unfixable.map((u) => `${u.finding.resource.kind} ${u.finding.resource.name}`)).toEqual(['file /etc/shop.conf', 'file /etc/only-prod.conf']);
    expect(plan.unfixable[0]!.why).toMatch(/content/);
  });

  it('leaves the profile untouched', () => {
    expect((m.resources.find((r) => r.name === 'tree') as unknown as Record<string, unknown>).version).toBeUndefined();
  });
});
