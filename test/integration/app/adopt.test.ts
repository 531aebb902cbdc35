// Adopt into profile: the machine's actual value goes into the profile (a file's content into its
// `content:` or its `src:` file), previewed as a diff first, written on confirm with the YAML's comments
// and order kept; drift is then in sync. Real Docker; the machine is changed with docker exec.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport, RunResult } from '../../../shared/report.js';
import { Engine } from '../../../electron/engine/engine.js';
import { BASE_IMAGE, uniqueProfile } from '../../support/docker-profile.js';
import { docker, dockerExec, purgeProfile } from '../../support/docker.js';

let engine: Engine;
let file: string;
let srcFile: string;
let box: string;
const name = uniqueProfile('pl-adopt');
const YAML = `# Adopt test profile: this comment stays
name: ${name}
role: test
machines:
  box:
    docker: { image: ${BASE_IMAGE} }   # the base image
    resources:
      # the message of the day
      - file: /etc/pl-adopt
        content: |
          profile says
        mode: "0644"   # world-readable
      - file: /etc/pl-src
        src: files/src.txt
`;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pl-adopt-'));
  file = path.join(dir, 'adopt.yaml');
  srcFile = path.join(dir, 'files', 'src.txt');
  mkdirSync(path.dirname(srcFile));
  writeFileSync(srcFile, 'from src\n');
  writeFileSync(file, YAML);
  engine = new Engine({ dataDir: path.join(dir, 'data'), profileFolders: [dir], env: { ...process.env, HOME: dir, PRODLIKE_NO_CACHE: '1' } });
  const up = (await engine.start({ kind: 'up', file }).done) as RunResult;
  expect(up.ok).toBe(true);
  box = docker('ps', '-q', '--filter', `label=prodlike.profile=${name}`);
  dockerExec(box, "printf 'machine says\\nline two ${HOME}\\n' > /etc/pl-adopt && chmod 600 /etc/pl-adopt && printf 'src from machine\\n' > /etc/pl-src");
});

afterAll(async () => {
  await engine?.close();
  purgeProfile(name);
});

const id = async (res: string) => (await engine.loadProfile(file)).machines[0]!.resources.find((r) => r.name === res)!.id;

describe('adopt into profile', () => {
  it('previews the YAML diff, writes it on confirm keeping comments and order, and drift is then in sync', async () => {
    const drift = (await engine.start({ kind: 'drift', file }).done) as DriftReport;
    expect(drift.findings.filter((f) => f.status !== 'in-sync').map((f) => f.resource.name).sort()).toEqual(['/etc/pl-adopt', '/etc/pl-src']);

    const preview = await engine.adoptPreview({ file, machine: 'box', resource: await id('/etc/pl-adopt') });
    expect(preview.summary).toBe("take /etc/pl-adopt's content (2 lines), mode 0600 from the machine into the profile");
    expect(preview.files.map((f) => f.path)).toEqual([file]);
    expect(preview.files[0]!.diff).toContain('-          profile says');
    expect(preview.files[0]!.diff).toContain('+          machine says');
    expect(preview.files[0]!.diff).toContain('+        mode: "0600"   # world-readable');
    expect(readFileSync(file, 'utf8')).toBe(YAML); // a preview writes nothing

    expect(await engine.adoptApply(preview.adoptId)).toEqual({ written: [file] });
    expect(readFileSync(file, 'utf8')).toBe(
      YAML.replace('          profile says\n', () => '          machine says\n          line two $${HOME}\n').replace('mode: "0644"', 'mode: "0600"'),
    );
    await expect(engine.adoptApply(preview.adoptId)).rejects.toThrow(/expired or was already used/);

    const src = await engine.adoptPreview({ file, machine: 'box', resource: await id('/etc/pl-src') });
    expect(src.files.map((f) => f.path)).toEqual([srcFile]);
    await engine.adoptApply(src.adoptId);
    expect(readFileSync(srcFile, 'utf8')).toBe('src from machine\n');

    const after = (await engine.start({ kind: 'drift', file }).done) as DriftReport;
    expect(after.errors).toEqual([]);
    expect(after.inSync).toBe(true);
    // The machine was only read.
    expect(dockerExec(box, 'cat /etc/pl-adopt')).toBe('machine says\nline two ${HOME}');
  });

  it('refuses to write when the file changed after the preview', async () => {
    dockerExec(box, "printf 'third\\n' > /etc/pl-adopt");
    const preview = await engine.adoptPreview({ file, machine: 'box', resource: await id('/etc/pl-adopt') });
    const edited = readFileSync(file, 'utf8') + '# edited meanwhile\n';
    writeFileSync(file, edited);
    await expect(engine.adoptApply(preview.adoptId)).rejects.toThrow(/changed since the preview, so nothing was written/);
    expect(readFileSync(file, 'utf8')).toBe(edited);
  });
});
