// The symlink kind as a specification: its profile schema (located errors), its diff, its scripts run by
// real local shells in a temporary folder, its comparison with a production baseline and reconcile.

import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MachineSpec, ResourceSpec } from '../../../../shared/profile.js';
import type { HostFacts } from '../../../../electron/engine/facts/index.js';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { buildProbeScript, parseProbeOutput } from '../../../../electron/engine/resources/index.js';
import { symlinkKind, type SymlinkActual, type SymlinkResource } from '../../../../electron/engine/resources/symlink-resource.js';
import { namedInProfile } from '../../../../electron/engine/baseline.js';
import { compareWithBaseline } from '../../../../electron/engine/runner/baseline-drift.js';
import { classify } from '../../../../electron/engine/runner/drift.js';
import { reconcilePlan } from '../../../../electron/engine/runner/reconcile.js';
import { localFacts, prodHost } from '../runner/drift-fixtures.js';
import { folder, profileError } from '../profile/fixture.js';

const link = (extra: Partial<SymlinkResource> = {}): SymlinkResource => ({ id: 'symlink:/etc/app/current', kind: 'symlink', name: '/etc/app/current', target: '/srv/app/v2', force: false, state: 'present', ...extra });
const summaries = (spec: SymlinkResource, actual: SymlinkActual) => symlinkKind.diff(spec, actual).map((c) => c.summary);

describe('symlink in a profile', () => {
  const profile = (resource: string) => `name: x\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n    resources:\n${resource}`;
  async function load(resource: string) {
    const dir = await folder({ 'p.yaml': profile(resource) });
    return loadProfile(join(dir, 'p.yaml'), { env: {} });
  }
  const error = async (resource: string) => (await profileError(load(resource))).message;

  it('loads a link with its target as written (relative targets stay relative)', async () => {
    const p = await load('      - symlink: /etc/nginx/sites-enabled/shop\n        target: ../sites-available/shop\n      - symlink: /usr/local/bin/old\n        state: absent\n');
    expect(p.machines[0]!.resources.map(({ pos: _pos, ...r }) => r)).toEqual([
      { id: 'symlink:/etc/nginx/sites-enabled/shop', kind: 'symlink', name: '/etc/nginx/sites-enabled/shop', target: '../sites-available/shop', force: false, state: 'present' },
      { id: 'symlink:/usr/local/bin/old', kind: 'symlink', name: '/usr/local/bin/old', target: '', force: false, state: 'absent' },
    ]);
  });

  it('needs a target when present, and says so at the resource', async () => {
    expect(await error('      - symlink: /etc/x\n')).toMatch(/p\.yaml:6:9: machines\.web\.resources\[0\]: "target" is required: expected the path the link points to/);
  });

  it('refuses a relative link path, a trailing slash, a multi-line target and a non-boolean force, each at its value', async () => {
    expect(await error('      - symlink: etc/x\n        target: /a\n')).toMatch(/p\.yaml:6:18: machines\.web\.resources\[0\]\.symlink: expected an absolute link path \(starting with \/\)/);
    expect(await error('      - symlink: /etc/x/\n        target: /a\n')).toMatch(/p\.yaml:6:18: machines\.web\.resources\[0\]\.symlink: expected a link path that does not end with \//);
    expect(await error('      - symlink: /etc/x\n        target: "a\\nb"\n')).toMatch(/p\.yaml:7:17: machines\.web\.resources\[0\]\.target: expected a single line/);
    expect(await error('      - symlink: /etc/x\n        target: /a\n        force: yes\n')).toMatch(/p\.yaml:8:16: machines\.web\.resources\[0\]\.force: expected true or false/);
    expect(await error('      - symlink: /etc/x\n        target: /a\n        state: link\n')).toMatch(/p\.yaml:8:16: machines\.web\.resources\[0\]\.state: expected present or absent/);
  });

  it('suggests the attribute for a typo, and the kind for a misspelt kind', async () => {
    expect(await error('      - symlink: /etc/x\n        taget: /a\n')).toMatch(/p\.yaml:7:9: machines\.web\.resources\[0\]: unknown key "taget" \(did you mean "target"\?\)/);
    expect(await error('      - symlnk: /etc/x\n')).toMatch(/unknown resource kind "symlnk" \(did you mean "symlink"\?\)/);
  });
});

describe('symlink diff', () => {
  it('is in sync when the link points to the target', () => {
    expect(symlinkKind.diff(link(), { type: 'link', target: '/srv/app/v2' })).toEqual([]);
  });

  it('creates a missing link, which drift calls missing', () => {
    const changes = symlinkKind.diff(link(), { type: 'absent' });
    expect(changes).toEqual([{ field: 'state', summary: 'create link /etc/app/current → /srv/app/v2', before: 'absent', after: '/srv/app/v2' }]);
    expect(classify(link(), changes)).toBe('missing');
  });

  it('says where a link points when it points elsewhere, which drift calls drifted', () => {
    const changes = symlinkKind.diff(link(), { type: 'link', target: '/srv/app/v1' });
    expect(changes).toEqual([{ field: 'target', summary: '/etc/app/current points to /srv/app/v1, not /srv/app/v2', before: '/srv/app/v1', after: '/srv/app/v2' }]);
    expect(classify(link(), changes)).toBe('drifted');
  });

  it('says a regular file is in the way and will be replaced', () => {
    expect(summaries(link(), { type: 'file' })).toEqual(['/etc/app/current is a regular file, not a link: replace it with a link → /srv/app/v2']);
  });

  it('will not replace a directory or a special file unless force: true (directories only)', () => {
    expect(summaries(link(), { type: 'directory' })).toEqual(['/etc/app/current is a directory, not a link (Prodlike will not replace it without force: true)']);
    expect(summaries(link({ force: true }), { type: 'directory' })).toEqual(['/etc/app/current is a directory: replace it and its content with a link → /srv/app/v2 (force: true)']);
    expect(summaries(link({ force: true }), { type: 'other' })).toEqual(['/etc/app/current is a special file, not a link (Prodlike will not replace it)']);
  });

  it('removes a link when absent, leaves nothing to do when there is none, and never removes a file', () => {
    const gone = link({ state: 'absent', target: '' });
    const changes = symlinkKind.diff(gone, { type: 'link', target: '/srv/app/v1' });
    expect(changes.map((c) => c.summary)).toEqual(['remove link /etc/app/current (→ /srv/app/v1)']);
    expect(classify(gone, changes)).toBe('extra');
    expect(symlinkKind.diff(gone, { type: 'absent' })).toEqual([]);
    expect(summaries(gone, { type: 'file' })).toEqual(['/etc/app/current is a regular file, not a link (Prodlike will not remove it)']);
  });

  it('reads the target the probe printed, encoded', () => {
    const target = "../we'ird $(x)/ta rget";
    expect(symlinkKind.parse(`type=link\ntarget=b64:${Buffer.from(target).toString('base64')}\n`, link())).toEqual({ type: 'link', target });
    expect(symlinkKind.parse('type=directory\n', link())).toEqual({ type: 'directory' });
    expect(() => symlinkKind.parse('type=fifo\n', link())).toThrow(/unexpected type/);
  });
});

describe('symlink scripts, run by a real local sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-symlink-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string, extra: Partial<SymlinkResource> = {}) => link({ id: `symlink:${join(dir, name)}`, name: join(dir, name), ...extra });
  const run = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8', cwd: dir });
  /** probe → parse → diff, as a run does (the batched probe script, with its prelude). */
  function probe(spec: SymlinkResource) {
    const r = run(buildProbeScript([spec]));
    expect(r.status, r.stderr).toBe(0);
    const out = parseProbeOutput(r.stdout, [spec]).get(spec.id)!;
    expect(out.error).toBeUndefined();
    return { actual: out.actual as SymlinkActual, changes: symlinkKind.diff(spec, out.actual as SymlinkActual) };
  }
  /** probe → diff → apply → probe, returning the first changes and the apply's result. */
  function converge(spec: SymlinkResource) {
    const before = probe(spec);
    const r = run(symlinkKind.apply(spec, before.actual, before.changes).script);
    return { before: before.changes, r, after: r.status === 0 ? probe(spec).changes : undefined };
  }

  it('creates the link, with its parent folder, and a hostile target stays one word: the exact text of the link', () => {
    const target = `x'; touch ${join(dir, 'PWNED')}; echo '$(touch ${join(dir, 'PWNED2')})`;
    const c = converge(at('sub/dir/hostile', { target }));
    expect(c.r.status, c.r.stderr).toBe(0);
    expect(c.after).toEqual([]);
    expect(readlinkSync(join(dir, 'sub/dir/hostile'))).toBe(target);
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
    expect(existsSync(join(dir, 'PWNED2'))).toBe(false);
  });

  it('repoints a link, including a link to a directory (never creating a link inside it)', () => {
    mkdirSync(join(dir, 'v1'));
    symlinkSync(join(dir, 'v1'), join(dir, 'current'));
    const c = converge(at('current', { target: join(dir, 'v2') }));
    expect(c.before.map((x) => x.field)).toEqual(['target']);
    expect(c.r.status, c.r.stderr).toBe(0);
    expect(readlinkSync(join(dir, 'current'))).toBe(join(dir, 'v2'));
    expect(existsSync(join(dir, 'v1', 'v2'))).toBe(false);
  });

  it('replaces a regular file', () => {
    writeFileSync(join(dir, 'was-file'), 'x');
    const c = converge(at('was-file', { target: 'relative/target' }));
    expect(c.r.status, c.r.stderr).toBe(0);
    expect(readlinkSync(join(dir, 'was-file'))).toBe('relative/target');
  });

  it('refuses a directory without force: true, naming it; replaces it with force: true', () => {
    mkdirSync(join(dir, 'was-dir'));
    writeFileSync(join(dir, 'was-dir', 'keep'), 'x');
    const refused = converge(at('was-dir'));
    expect(refused.r.status).toBe(1);
    expect(refused.r.stderr.trim()).toBe(`prodlike: symlink ${join(dir, 'was-dir')}: is a directory, not replacing it (force: true replaces it and its content)`);
    expect(existsSync(join(dir, 'was-dir', 'keep'))).toBe(true);
    const forced = converge(at('was-dir', { force: true }));
    expect(forced.r.status, forced.r.stderr).toBe(0);
    expect(lstatSync(join(dir, 'was-dir')).isSymbolicLink()).toBe(true);
  });

  it('removes only a link when absent, never what it points to, and refuses a file', () => {
    writeFileSync(join(dir, 'pointed'), 'data');
    symlinkSync(join(dir, 'pointed'), join(dir, 'old'));
    const c = converge(at('old', { state: 'absent', target: '' }));
    expect(c.r.status, c.r.stderr).toBe(0);
    expect(existsSync(join(dir, 'old'))).toBe(false);
    expect(existsSync(join(dir, 'pointed'))).toBe(true);
    const refused = converge(at('pointed', { state: 'absent', target: '' }));
    expect(refused.r.status).toBe(1);
    expect(refused.r.stderr.trim()).toBe(`prodlike: symlink ${join(dir, 'pointed')}: exists and is not a link, not removing it`);
  });

  it('ends the options of ln before its operands', () => {
    expect(symlinkKind.apply(link({ target: '-rf' }), { type: 'absent' }, []).script).toContain(`ln -sfn -- '-rf' "$_pl_p"`);
  });
});

describe('symlink against a production baseline', () => {
  const res = (r: Partial<SymlinkResource> & { name: string }): ResourceSpec => link({ id: `symlink:${r.name}`, ...r });
  const machine = (resources: ResourceSpec[]): MachineSpec => ({ name: 'web', mirrors: 'web-1', resources });
  const owned = { mode: '777', owner: 'root', group: 'root' };
  const host = prodHost({
    files: {
      '/etc/app/current': { type: 'symlink', target: '/srv/app/v2', ...owned },
      '/etc/app/moved': { type: 'symlink', target: '/srv/new', ...owned },
      '/etc/app/prod-only': { type: 'symlink', target: '/srv/p', ...owned },
      '/etc/app/gone': { absent: true },
      '/etc/app/real-file': { sha256: 'a'.repeat(64), ...owned },
    },
    directories: {},
  });
  const paths: HostFacts['paths'] = {
    '/etc/app/current': { type: 'symlink', target: '/srv/app/v2', ...owned },
    '/etc/app/moved': { type: 'symlink', target: '/srv/old', ...owned },
    '/etc/app/prod-only': { type: 'absent' },
    '/etc/app/gone': { type: 'symlink', target: '/srv/x', ...owned },
    '/etc/app/real-file': { type: 'symlink', target: '/srv/y', ...owned },
  };
  const m = machine(Object.keys(paths).map((name) => res({ name })));
  const findings = compareWithBaseline({ machine: m, hostName: 'web-1', host, facts: localFacts({ paths }) });
  const links = findings.filter((f) => f.resource.name.startsWith('/etc/app/'));

  it('capture records the link among the files', () => {
    expect([...namedInProfile([res({ name: '/etc/app/current' })]).files]).toEqual(['/etc/app/current']);
  });

  it('reports each named link once, as a symlink (not also as a file), by presence and target', () => {
    expect(links.map((f) => `${f.status} ${f.resource.kind} ${f.resource.name}`)).toEqual([
      'in-sync symlink /etc/app/current',
      'drifted symlink /etc/app/moved',
      'missing symlink /etc/app/prod-only',
      'extra symlink /etc/app/gone',
      'drifted symlink /etc/app/real-file',
    ]);
    expect(links.find((f) => f.resource.name === '/etc/app/moved')!.changes).toEqual([{ field: 'target', summary: 'target /srv/old → /srv/new (production)', before: '/srv/old', after: '/srv/new' }]);
    expect(links.find((f) => f.resource.name === '/etc/app/prod-only')).toMatchObject({ expected: '/srv/p', actual: null });
    expect(links.find((f) => f.resource.name === '/etc/app/real-file')!.changes[0]!.summary).toBe('a symlink here, a file in production');
  });

  it('leaves a link the local profile does not name to the file comparison, and one the baseline does not record uncompared', () => {
    const fs = compareWithBaseline({ machine: machine([res({ name: '/etc/app/unrecorded' })]), hostName: 'web-1', host, facts: localFacts({ paths }) });
    expect(fs.filter((f) => f.resource.name.startsWith('/etc/app/')).map((f) => `${f.status} ${f.resource.kind} ${f.resource.name}`)).toEqual([
      'in-sync file /etc/app/current',
      'drifted file /etc/app/moved',
      'missing file /etc/app/prod-only',
      'extra file /etc/app/gone',
      'drifted file /etc/app/real-file',
    ]);
  });

  it("reconcile pins a link to production's target and presence, and says it cannot turn a link into production's file", () => {
    const plan = reconcilePlan(m, host, findings);
    const spec = (name: string) => plan.spec.resources.find((r) => r.name === name) as SymlinkResource;
    expect(spec('/etc/app/current')).toMatchObject({ state: 'present', target: '/srv/app/v2' });
    expect(spec('/etc/app/moved')).toMatchObject({ state: 'present', target: '/srv/new' });
    expect(spec('/etc/app/prod-only')).toMatchObject({ state: 'present', target: '/srv/p' });
    expect(spec('/etc/app/gone')).toMatchObject({ state: 'absent' });
    expect(spec('/etc/app/real-file')).toMatchObject({ state: 'present', target: '/srv/app/v2' });
    expect(plan.unfixable.filter((u) => u.finding.resource.kind === 'symlink').map((u) => [u.finding.resource.name, u.why])).toEqual([
      ['/etc/app/real-file', 'production has a file at /etc/app/real-file, not a link; change the profile'],
    ]);
  });
});
