// Shell injection over every string field of every resource kind: each payload is either refused by
// `validate` (a ProfileError naming file:line:col) or goes through the engine's real path (YAML →
// loadProfile → probe → diff → apply → probe) in a container, and afterwards no /tmp/pwned-* exists
// there. Checked with `docker exec`, not through Prodlike. `command`, `unless` and `onlyif` are shell
// by design and so are not payload targets; everything a command resource takes as data is.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResource, ResourceSpec } from '../../../shared/profile.js';
import { ProfileError } from '../../../electron/engine/errors.js';
import { loadProfile } from '../../../electron/engine/profile/index.js';
import { kindOf, probeAll } from '../../../electron/engine/resources/index.js';
import { DockerCliTransport } from '../../support/docker-cli-transport.js';

const IMAGE = process.env.PRODLIKE_BASE_IMAGE ?? 'debian:bookworm';
let box = '';
let dir = '';

beforeAll(async () => {
  box = `pl-inject-${randomBytes(4).toString('hex')}`;
  // No network: nothing here needs it, and a payload could not reach out if one ran.
  const run = spawnSync('docker', ['run', '-d', '--init', '--network', 'none', '--name', box, IMAGE, 'sleep', 'infinity'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`docker run ${IMAGE} failed: ${run.stderr.trim()}`);
  dir = await mkdtemp(join(tmpdir(), 'prodlike-inject-'));
});
afterAll(async () => {
  if (box) spawnSync('docker', ['rm', '-f', box]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `docker exec` with argv, no shell in between: what is checked is exactly what is named. */
function exec(...argv: string[]): { code: number; out: string } {
  const r = spawnSync('docker', ['exec', box, ...argv], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout };
}

function pwned(): string[] {
  return execFileSync('docker', ['exec', box, 'find', '/tmp', '-maxdepth', '1', '-name', 'pwned-*'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** Payloads that break out of single quotes, double quotes, run a substitution, or pose as an option. */
function payloads(id: string): string[] {
  const touch = `touch /tmp/pwned-${id}`;
  return [
    `'; ${touch}; '`,
    `"; ${touch}; "`,
    `$(${touch})`,
    `\`${touch}\``,
    '-rf',
    `x\n${touch}\n`,
    `/tmp/inj/q' || ${touch}; '`,
    `/tmp/inj/c' || exit 111; ${touch}; '`,
    `/tmp/inj/d$(${touch})`,
    `/tmp/inj/b\`${touch}\``,
    `/tmp/inj/n\n${touch}`,
    `/tmp/inj-${id}/-rf`,
    `/tmp/inj/nul\0${touch}`,
  ];
}

interface Field {
  kind: string;
  field: string;
  /** The resource as YAML lines; `q` is the payload as a YAML scalar, `n` a unique number. */
  yaml: (q: string, n: number) => string[];
}

const FIELDS: Field[] = [
  { kind: 'package', field: 'package', yaml: (q) => [`package: ${q}`] },
  { kind: 'package', field: 'version', yaml: (q) => ['package: jq', `version: ${q}`] },
  { kind: 'file', field: 'file', yaml: (q) => [`file: ${q}`, 'content: "x\\n"'] },
  { kind: 'file', field: 'content', yaml: (q, n) => [`file: /tmp/inj-out/content-${n}`, `content: ${q}`] },
  { kind: 'file', field: 'owner', yaml: (q, n) => [`file: /tmp/inj-out/owner-${n}`, `owner: ${q}`] },
  { kind: 'file', field: 'group', yaml: (q, n) => [`file: /tmp/inj-out/group-${n}`, `group: ${q}`] },
  { kind: 'file', field: 'mode', yaml: (q, n) => [`file: /tmp/inj-out/mode-${n}`, `mode: ${q}`] },
  { kind: 'directory', field: 'directory', yaml: (q) => [`directory: ${q}`] },
  { kind: 'directory', field: 'owner', yaml: (q, n) => [`directory: /tmp/inj-out/downer-${n}`, `owner: ${q}`] },
  { kind: 'directory', field: 'group', yaml: (q, n) => [`directory: /tmp/inj-out/dgroup-${n}`, `group: ${q}`] },
  { kind: 'line', field: 'line', yaml: (q) => [`line: ${q}`, 'text: x'] },
  { kind: 'line', field: 'text', yaml: (q) => ['line: /tmp/inj-out/lines', `text: ${q}`] },
  { kind: 'line', field: 'match', yaml: (q, n) => ['line: /tmp/inj-out/matched', `text: m${n}`, `match: ${q}`] },
  { kind: 'user', field: 'user', yaml: (q) => [`user: ${q}`] },
  { kind: 'user', field: 'groups', yaml: (q, n) => [`user: inj${n}`, `groups: [${q}]`] },
  { kind: 'user', field: 'shell', yaml: (q, n) => [`user: inj${n}`, `shell: ${q}`] },
  { kind: 'user', field: 'home', yaml: (q, n) => [`user: inj${n}`, `home: ${q}`] },
  { kind: 'user', field: 'uid', yaml: (q, n) => [`user: inj${n}`, `uid: ${q}`] },
  { kind: 'group', field: 'group', yaml: (q) => [`group: ${q}`] },
  { kind: 'group', field: 'gid', yaml: (q, n) => [`group: injg${n}`, `gid: ${q}`] },
  { kind: 'command', field: 'cwd', yaml: (q, n) => [`command: "pwd > /tmp/inj-out/cwd-${n}"`, `cwd: ${q}`] },
  { kind: 'command', field: 'creates', yaml: (q, n) => [`command: "echo ran > /tmp/inj-out/creates-${n}"`, `creates: ${q}`] },
  { kind: 'command', field: 'env name', yaml: (q, n) => [`command: "true ${n}"`, `env: { ${q}: x }`] },
  { kind: 'command', field: 'env value', yaml: (q, n) => [`command: "printf %s \\"$V\\" > /tmp/inj-out/cmdenv-${n}"`, `env: { V: ${q} }`] },
  { kind: 'env', field: 'env', yaml: (q) => [`env: ${q}`, 'value: x'] },
  { kind: 'env', field: 'value', yaml: (q, n) => [`env: INJ_${n}`, `value: ${q}`] },
  { kind: 'service', field: 'service', yaml: (q) => [`service: ${q}`] },
];

interface Case {
  n: number;
  kind: string;
  field: string;
  payload: string;
  spec?: ResourceSpec;
  refused?: ProfileError;
}

async function loadCase(n: number, f: Field, payload: string): Promise<Case> {
  const file = join(dir, `c${n}.yaml`);
  const resource = f.yaml(JSON.stringify(payload), n).join('\n        ');
  await writeFile(file, `name: inject\nmachines:\n  box:\n    docker: { image: debian:bookworm }\n    resources:\n      - ${resource}\n`);
  const c: Case = { n, kind: f.kind, field: f.field, payload };
  try {
    c.spec = (await loadProfile(file, { env: {} })).machines[0]!.resources[0]!;
  } catch (err) {
    if (!(err instanceof ProfileError)) throw err;
    c.refused = err;
  }
  return c;
}

describe('shell injection through resource fields', () => {
  const cases: Case[] = [];

  it('the check itself sees a payload that ran (control)', async () => {
    const t = new DockerCliTransport(box);
    const control: CommandResource = { id: 'command:control', kind: 'command', name: 'touch /tmp/pwned-control', env: {} };
    expect((await t.exec(kindOf(control).apply(control as never, {} as never, []).script)).code).toBe(0);
    expect(pwned()).toEqual(['/tmp/pwned-control']);
    exec('rm', '/tmp/pwned-control');
    expect(pwned()).toEqual([]);
  });

  it('every payload in every field is refused with its position, or applied without running', async () => {
    const started = performance.now();
    let n = 0;
    for (const f of FIELDS) {
      for (const payload of payloads(`${f.kind}-${f.field.replace(' ', '-')}-${n}`)) cases.push(await loadCase(n++, f, payload));
    }
    for (const c of cases.filter((x) => x.refused)) {
      // One located error (file:line:col of the resource's value), not a stack trace.
      expect(c.refused!.where, `${c.kind}.${c.field} ${JSON.stringify(c.payload)}`).toMatch(new RegExp(`c${c.n}\\.yaml:\\d+:\\d+$`));
      expect(c.refused!.message).toContain('machines.box.resources[0]');
      expect(c.refused!.message).not.toMatch(/\n\s+at /);
    }
    const accepted = cases.filter((c) => c.spec);
    // Everything but NUL is legal in a file's content, a line of text or a command's env value.
    for (const field of ['content', 'text', 'env value']) {
      expect(accepted.filter((c) => c.field === field).length, field).toBeGreaterThanOrEqual(payloads('x').length - 4);
    }
    expect(exec('mkdir', '-p', '/tmp/inj-out').code).toBe(0);

    const t = new DockerCliTransport(box);
    const specs = accepted.map((c) => c.spec!);
    const probed = await probeAll(t, specs);
    let applied = 0;
    // What validate accepted, the engine must not refuse later (a probe, diff or apply that throws).
    const refusedLate: string[] = [];
    const applyOne = async (spec: ResourceSpec) => {
      const p = probed.get(spec.id)!;
      try {
        if (p.error !== undefined) throw new Error(p.error);
        const changes = kindOf(spec).diff(spec as never, p.actual as never);
        if (!changes.length) return;
        const step = kindOf(spec).apply(spec as never, p.actual as never, changes);
        await t.exec(step.script, step.stdin !== undefined ? { stdin: step.stdin } : {});
        applied++;
      } catch (err) {
        refusedLate.push(`${spec.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    // Kinds apply side by side (each exec mostly waits); users and groups share /etc/group's lock.
    const lane = (s: ResourceSpec) => (s.kind === 'group' ? 'user' : s.kind);
    await Promise.all([...new Set(specs.map(lane))].map(async (l) => {
      for (const spec of specs.filter((s) => lane(s) === l)) await applyOne(spec);
    }));
    await probeAll(t, specs);
    expect(pwned()).toEqual([]);
    expect(refusedLate).toEqual([]);
    console.log(`${cases.length} payloads: ${cases.length - accepted.length} refused by validate, ${accepted.length} probed, ${applied} applied, in ${Math.round(performance.now() - started)} ms`);
  });

  it('values that were accepted arrive on the machine exactly as written', () => {
    // Two execs for all the checks: every file and directory under /tmp by type, and the outputs.
    const types = new Map<string, string>();
    for (const entry of exec('find', '/tmp', '(', '-type', 'f', '-printf', 'f%p\\0', ')', '-o', '(', '-type', 'd', '-printf', 'd%p\\0', ')').out.split('\0')) {
      if (entry) types.set(entry.slice(1), entry[0]!);
    }
    const outputs = new Map<string, string>();
    for (const line of exec('sh', '-c', 'cd /tmp/inj-out && for f in *; do [ -f "$f" ] && printf "%s %s\\n" "$f" "$(base64 -w0 "$f")"; done').out.split('\n')) {
      const [name, b64] = line.split(' ');
      if (name) outputs.set(name, Buffer.from(b64 ?? '', 'base64').toString('utf8'));
    }
    for (const c of cases.filter((x) => x.spec)) {
      const what = `${c.kind}.${c.field} ${JSON.stringify(c.payload)}`;
      if (c.field === 'file') expect(types.get(c.payload), what).toBe('f');
      if (c.field === 'directory') expect(types.get(c.payload), what).toBe('d');
      if (c.field === 'content') expect(outputs.get(`content-${c.n}`), what).toBe(c.payload);
      if (c.field === 'env value') expect(outputs.get(`cmdenv-${c.n}`), what).toBe(c.payload);
      // No directory of that name exists, so the command did not run (and nothing else did).
      if (c.field === 'cwd') expect(outputs.has(`cwd-${c.n}`), what).toBe(false);
    }
    const lines = (outputs.get('lines') ?? '').split('\n');
    const texts = cases.filter((x) => x.spec && x.field === 'text');
    expect(texts.length).toBeGreaterThan(4);
    for (const c of texts) expect(lines, JSON.stringify(c.payload)).toContain(c.payload);
  });

  it('env values in /etc/environment read back exactly when sh sources the file, and run nothing', () => {
    const env = cases.filter((c) => c.spec && c.kind === 'env' && c.field === 'value');
    expect(env.length).toBeGreaterThan(4);
    for (const shell of ['sh', 'bash', 'dash']) {
      const script = `. /etc/environment; ${env.map((c) => `printf '%s\\0' "$INJ_${c.n}"`).join('; ')}`;
      const out = exec(shell, '-c', script);
      expect(out.code, shell).toBe(0);
      expect(out.out.split('\0').slice(0, -1), shell).toEqual(env.map((c) => c.payload));
    }
    expect(pwned()).toEqual([]);
  });
});

describe('the cwd payload of the issue, under bash and dash', () => {
  const payload = "/srv/app' || exit 111; touch /tmp/pwned-cwd; '";
  const spec: CommandResource = { id: 'command:cwd', kind: 'command', name: 'pwd > /tmp/cwd-ran', unless: 'test -e /tmp/cwd-ran', cwd: payload, env: {} };

  it.each(['bash', 'dash'])('under %s: probes and fails to enter a missing directory, running nothing', async (shell) => {
    const t = new DockerCliTransport(box, [shell, '-c']);
    const p = (await probeAll(t, [spec])).get(spec.id)!;
    expect(p.error).toBeUndefined();
    const step = kindOf(spec).apply(spec as never, p.actual as never, kindOf(spec).diff(spec as never, p.actual as never));
    const res = await t.exec(step.script);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n').pop()).toBe(`prodlike: command: cannot enter directory ${payload}`);
    expect(pwned()).toEqual([]);
    expect(exec('test', '-e', '/tmp/cwd-ran').code).not.toBe(0);
  });

  it.each(['bash', 'dash'])('under %s: runs the command in the directory of that very name, running nothing else', async (shell) => {
    expect(exec('mkdir', '-p', payload).code).toBe(0);
    exec('rm', '-f', '/tmp/cwd-ran');
    const t = new DockerCliTransport(box, [shell, '-c']);
    const p = (await probeAll(t, [spec])).get(spec.id)!;
    const changes = kindOf(spec).diff(spec as never, p.actual as never);
    expect(changes.map((c) => c.field)).toEqual(['run']);
    const res = await t.exec(kindOf(spec).apply(spec as never, p.actual as never, changes).script);
    expect(res.code, res.stderr).toBe(0);
    expect(exec('cat', '/tmp/cwd-ran').out).toBe(`${payload}\n`);
    expect((await probeAll(t, [spec])).get(spec.id)!.actual).toEqual({ unlessCode: 0 });
    expect(pwned()).toEqual([]);
  });
});
