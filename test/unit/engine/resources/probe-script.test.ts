import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileResource, ResourceSpec } from '../../../../shared/profile.js';
import { buildProbeScript, diffAll, parseProbeOutput, planApplySteps } from '../../../../electron/engine/resources/index.js';
import type { FileActual } from '../../../../electron/engine/resources/file-resource.js';

const file = (name: string, extra: Partial<FileResource> = {}): FileResource => ({ id: `file:${name}`, kind: 'file', name, state: 'present', ...extra });

/** Runs the probe script with the local sh (dash or bash): the same script a machine runs. */
function runLocally(script: string): string {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('buildProbeScript / parseProbeOutput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-probe-'));

  it('reads files whose content looks like markers, is binary, or lacks a trailing newline', () => {
    const markerish = join(dir, 'markers');
    writeFileSync(markerish, '@@PL:0000:PROBE@@\n\n@@PL:0000:E:0:0:@@\ntype=absent\n');
    const binary = join(dir, 'binary');
    writeFileSync(binary, Buffer.from([0, 1, 2, 255, 10, 0]));
    const noNewline = join(dir, 'no-newline');
    writeFileSync(noNewline, 'last line');
    const specs = [file(markerish, { content: 'other\n' }), file(binary, { content: 'x' }), file(noNewline, { content: 'last line\n' }), file(join(dir, 'missing'))];
    const script = buildProbeScript(specs);
    const out = parseProbeOutput(runLocally(script), specs);

    const m = out.get(specs[0]!.id)!.actual as FileActual;
    expect(m.type).toBe('file');
    expect(m.content).toBe('@@PL:0000:PROBE@@\n\n@@PL:0000:E:0:0:@@\ntype=absent\n');
    const b = out.get(specs[1]!.id)!.actual as FileActual;
    expect(b.binary).toBe(true);
    expect(b.size).toBe(6);
    const n = out.get(specs[2]!.id)!.actual as FileActual;
    expect(n.content).toBe('last line');
    expect(out.get(specs[3]!.id)!.actual).toEqual({ type: 'absent' });

    const diffs = diffAll(specs, out);
    expect(diffs.get(specs[1]!.id)!.changes[0]!.summary).toMatch(/content differs \(current is binary/);
    expect(diffs.get(specs[2]!.id)!.changes[0]!.diff).toContain('\\ No newline at end of file');
  });

  it('reads a matched line holding "=", marker-like text and quotes as it is', () => {
    const f = join(dir, 'lines');
    writeFileSync(f, "a=1\nkey = '@@PL:0:E:0:0:@@' \"x\" \\1\nkey=again");
    const spec: ResourceSpec = { id: 'line:key', kind: 'line', name: f, text: 'key=2', match: '^key', state: 'present' };
    const out = parseProbeOutput(runLocally(buildProbeScript([spec])), [spec]).get('line:key')!;
    expect(out.actual).toEqual({ fileExists: true, exact: 0, firstMatch: 2, firstMatchText: "key = '@@PL:0:E:0:0:@@' \"x\" \\1", removable: 2 });
  });

  it('does not send content back when it already has the desired hash', () => {
    const same = join(dir, 'same');
    writeFileSync(same, 'hello\n');
    const specs = [file(same, { content: 'hello\n' })];
    const actual = parseProbeOutput(runLocally(buildProbeScript(specs)), specs).get(specs[0]!.id)!.actual as FileActual;
    expect(actual.content).toBeUndefined();
    expect(diffAll(specs, new Map([[specs[0]!.id, { actual }]])).get(specs[0]!.id)!.changes).toEqual([]);
  });

  it('keeps one failing snippet from breaking the others and reports its exit code and stderr', () => {
    const specs: ResourceSpec[] = [file('relative/path'), file(join(dir, 'missing'))];
    const out = parseProbeOutput(runLocally(buildProbeScript(specs)), specs);
    expect(out.get(specs[0]!.id)!.error).toMatch(/probe exited 1: .*not an absolute path/);
    expect(out.get(specs[1]!.id)!.actual).toEqual({ type: 'absent' });
  });

  it('reports resources the output stops before, and output with no header', () => {
    const line = (name: string): ResourceSpec => ({ id: `line:${name}`, kind: 'line', name, text: 'x', state: 'present' });
    const specs = [file('/a'), line('/b'), line('/c')];
    const full = runLocally(buildProbeScript(specs));
    const cut = full.slice(0, full.indexOf(':B:2@@'));
    const out = parseProbeOutput(cut, specs);
    expect(out.get('file:/a')!.actual).toEqual({ type: 'absent' });
    expect(out.get('line:/b')!.actual).toMatchObject({ fileExists: false });
    expect(out.get('line:/c')!.error).toMatch(/stopped before reaching this resource/);
    // Cut inside the shared read of files and accounts: the files it had not finished are errors.
    const early = full.slice(0, full.indexOf(':S:end@@'));
    expect(parseProbeOutput(early, specs).get('file:/a')!.error).toMatch(/stopped before reading files and accounts/);
    expect(parseProbeOutput('sh: not found', specs).get('file:/a')!.error).toMatch(/nothing recognisable/);
  });

  it('marks each run with a fresh nonce so markers cannot be predicted by content', () => {
    const a = buildProbeScript([file('/a')]);
    const b = buildProbeScript([file('/a')]);
    expect(a).not.toBe(b);
  });

  it('builds one script for fifty resources', () => {
    const specs = Array.from({ length: 50 }, (_, i) => file(join(dir, `f${i}`)));
    const out = parseProbeOutput(runLocally(buildProbeScript(specs)), specs);
    expect([...out.values()].every((o) => (o.actual as FileActual).type === 'absent')).toBe(true);
  });
});

describe('planApplySteps', () => {
  it('batches consecutive packages into one step and keeps profile order', () => {
    const pkg = (name: string) => ({ spec: { id: `package:${name}`, kind: 'package', name, state: 'present' } as ResourceSpec, actual: { manager: 'apt', installed: false }, changes: [{ field: 'state', summary: 'install' }] });
    const f = { spec: file('/x', { content: 'x' }) as ResourceSpec, actual: { type: 'absent' }, changes: [{ field: 'state', summary: 'create' }] };
    const steps = planApplySteps([pkg('jq'), pkg('tree'), f, pkg('curl')]);
    expect(steps.map((s) => s.items.map((i) => i.spec.name))).toEqual([['jq', 'tree'], ['/x'], ['curl']]);
    expect(steps[0]!.step.script).toMatch(/set -- "\$@" 'tree'/);
    expect(steps[0]!.step.script.match(/--no-install-recommends --allow-downgrades install/g)).toHaveLength(1);
  });
});
