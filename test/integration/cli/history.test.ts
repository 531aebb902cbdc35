// History: every run kept in the data folder, read back by a later process (`prodlike history`,
// `prodlike logs <run>`, text and --json): what ran, the resources it changed with their diffs, its full
// log — with secrets masked in all of it. The machine's state is checked with docker exec.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../shared/history.js';
import type { RunRecord } from '../../../shared/report.js';
import { docker, exec, purge, unique, workspace, type Workspace } from '../../support/cli.js';

const NAME = unique('pl-it-hist');
const SECRET = 'S3cr3t-hist-' + Math.random().toString(36).slice(2, 8);

let ws: Workspace;
let file: string;
beforeAll(async () => {
  ws = await workspace();
  file = await ws.write(
    'profiles/h.yaml',
    `name: ${NAME}
machines:
  box:
    docker: { image: debian:bookworm }
    resources:
      - file: /etc/pl-hist
        content: "hello history\\n"
      - command: echo "the token is \${env.API_TOKEN}"; echo second line from the command
`,
  );
});
afterAll(() => purge(NAME));

describe('the run history', () => {
  it('keeps each run with its diffs and full log, readable by a later process, secrets masked', async () => {
    const env = { API_TOKEN: SECRET };
    const up = await ws.run(['up', file], { env });
    expect(up.code, up.stderr + up.stdout).toBe(0);
    expect(exec(docker('ps', '-q', '--filter', `label=prodlike.profile=${NAME}`), 'cat /etc/pl-hist').trim()).toBe('hello history');
    const plan = await ws.run(['plan', file], { env });
    expect(plan.code).toBe(2); // the command runs each time: pending

    const list = JSON.parse((await ws.run(['history', file, '--json'])).stdout) as RunRecord[];
    expect(list.map((r) => `${r.kind} ${r.ok}`)).toEqual(['plan true', 'up true']);
    const upRec = list[1]!;
    expect(upRec.summary.changed).toBe(2);

    const detail = JSON.parse((await ws.run(['logs', upRec.runId, '--json'])).stdout) as RunDetail;
    expect(detail.record.runId).toBe(upRec.runId);
    const fileChange = detail.resources.find((r) => r.resource.name === '/etc/pl-hist')!;
    expect(fileChange.status).toBe('changed');
    expect(fileChange.changes.some((c) => c.diff?.includes('+hello history'))).toBe(true);
    const lines = detail.log.filter((l) => l.machine === 'box' && l.stream === 'stdout').map((l) => l.text);
    expect(lines).toContain('second line from the command');
    expect(lines.some((l) => l.startsWith('the token is ') && !l.includes(SECRET))).toBe(true);

    const text = await ws.run(['logs', upRec.runId]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('/etc/pl-hist');
    expect(text.stdout).toContain('+hello history');
    expect(text.stdout).toMatch(/\d\d:\d\d:\d\d \[box\] second line from the command/);
    const hist = await ws.run(['history']);
    expect(hist.stdout).toContain(upRec.runId);
    expect(hist.stdout).toMatch(/up\s+\S+\s+[\d.]+ s\s+ok\s+2 changed/);

    // Nothing in the data folder holds the secret.
    for (const f of walk(ws.dataDir)) expect(readFileSync(f, 'utf8'), f).not.toContain(SECRET);
    expect(readdirSync(path.join(ws.dataDir, 'runs'))).toContain(`${upRec.runId}.json`);
  });

  it('says what to do for a run it does not have', async () => {
    const r = await ws.run(['logs', 'nope1234']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No run nope1234 in the history/);
    expect(r.stderr).toMatch(/prodlike history/);
    expect(r.stderr).not.toMatch(/\s+at /);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
