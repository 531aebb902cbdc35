// Drift and plan you can act on: "reconcile this one" changes one resource and nothing else; "apply this
// plan" applies what the plan showed, and refuses — changing nothing — when a machine changed since.
// Real Docker; results read with docker exec.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../shared/report.js';
import { Engine } from '../../../electron/engine/engine.js';
import { BASE_IMAGE, uniqueProfile } from '../../support/docker-profile.js';
import { docker, dockerExec, purgeProfile } from '../../support/docker.js';

let engine: Engine;
let file: string;
let box: string;
const name = uniqueProfile('pl-act');
const cat = (p: string) => dockerExec(box, `cat ${p}`).trim();
const put = (p: string, text: string) => dockerExec(box, `printf '%s\\n' '${text}' > ${p}`);

let dir: string | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pl-act-'));
  file = path.join(dir, 'act.yaml');
  writeFileSync(file, `name: ${name}\nrole: test\nmachines:\n  box:\n    docker: { image: ${BASE_IMAGE} }\n    resources:\n      - file: /etc/pl-a\n        content: "A\\n"\n      - file: /etc/pl-b\n        content: "B\\n"\n`);
  engine = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [dir], env: { ...process.env, HOME: dir, PRODLIKE_NO_CACHE: '1' } });
  const up = (await engine.start({ kind: 'up', file }).done) as RunResult;
  expect(up.ok).toBe(true);
  box = docker('ps', '-q', '--filter', `label=prodlike.profile=${name}`);
});

afterAll(async () => {
  await engine?.close();
  purgeProfile(name);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const idOf = async (res: string) => (await engine.loadProfile(file)).machines[0]!.resources.find((r) => r.name === res)!.id;

describe('reconcile this one', () => {
  it('puts right the one resource named, and leaves the others as they are', async () => {
    put('/etc/pl-a', 'drift-a');
    put('/etc/pl-b', 'drift-b');
    const r = (await engine.start({ kind: 'up', file, only: [{ machine: 'box', resource: await idOf('/etc/pl-a') }] }).done) as RunResult;
    expect(r.ok).toBe(true);
    expect(r.machines[0]!.resources.map((x) => `${x.status} ${x.name}`)).toEqual(['changed /etc/pl-a']);
    expect(cat('/etc/pl-a')).toBe('A');
    expect(cat('/etc/pl-b')).toBe('drift-b');
  });

  it('names a resource the profile does not have', async () => {
    const r = (await engine.start({ kind: 'up', file, only: [{ machine: 'box', resource: 'file:/nope' }] }).done) as RunResult;
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/has no resource file:\/nope/);
  });
});

describe('apply this plan', () => {
  it('applies what the plan showed when the machine is as the plan saw it', async () => {
    put('/etc/pl-b', 'drift-b');
    const plan = (await engine.start({ kind: 'plan', file }).done) as RunResult;
    expect(plan.summary.pending).toBe(1);
    const detail = await engine.runDetail(plan.runId);
    expect(detail.planId).toBe(plan.runId);
    expect(detail.resources.map((x) => `${x.status} ${x.resource.name}`)).toEqual(['pending /etc/pl-b']);
    const up = (await engine.start({ kind: 'up', file, planId: plan.runId }).done) as RunResult;
    expect(up.error).toBeUndefined();
    expect(up.ok).toBe(true);
    expect(cat('/etc/pl-b')).toBe('B');
  });

  it('refuses, changing nothing, when the machine changed since the plan', async () => {
    put('/etc/pl-b', 'drift-b');
    const plan = (await engine.start({ kind: 'plan', file }).done) as RunResult;
    put('/etc/pl-b', 'changed-again');
    put('/etc/pl-a', 'drift-a');
    const up = (await engine.start({ kind: 'up', file, planId: plan.runId }).done) as RunResult;
    expect(up.ok).toBe(false);
    expect(up.error?.message).toMatch(new RegExp(`the machines changed since plan ${plan.runId} was made`));
    expect(up.error?.message).toMatch(/box file \/etc\/pl-a: now differs/);
    expect(up.error?.message).toMatch(/box file \/etc\/pl-b: the plan showed/);
    expect(up.error?.hint).toMatch(/prodlike plan/);
    expect(cat('/etc/pl-b')).toBe('changed-again');
    expect(cat('/etc/pl-a')).toBe('drift-a');
  });

  it('refuses a plan id the history does not have', async () => {
    const up = (await engine.start({ kind: 'up', file, planId: 'nope9999' }).done) as RunResult;
    expect(up.ok).toBe(false);
    expect(up.error?.message).toMatch(/no plan nope9999/);
  });
});
