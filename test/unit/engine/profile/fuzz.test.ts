// Fuzzing the profile loader: seeded mutations of the example profiles (profiles/), the browser tests'
// fixtures and a few hostile seeds. Every case must load or fail with a located ProfileError
// (file:line:col), never crash, never take 2 s, and never show a secret from the environment.
//
// `npm test` runs a fast slice. The nightly-sized run:
//   PRODLIKE_FUZZ_N=100000 npx vitest run --project unit test/unit/engine/profile/fuzz.test.ts
// A failure names its seed and case; PRODLIKE_FUZZ_SEED=<seed> replays the same sequence.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileError } from '../../../../electron/engine/errors.js';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { yamlFiles } from '../../../../electron/engine/profile/find.js';

const N = Number(process.env.PRODLIKE_FUZZ_N ?? 300);
const SEED = Number(process.env.PRODLIKE_FUZZ_SEED ?? 20261201);
const MAX_MS = 2000;
const SECRET = 'S3cr3t-fuzz-9fK2xQ7LmZ3v';
const ENV = { HOME: '/home/dev', DB_URL: `postgres://shop:${SECRET}@db/shop`, API_TOKEN: SECRET, SHOP_ENV: 'dev' };

/** mulberry32: small, seeded, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_SEEDS = [
  `name: laughs\nvars:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nmachines:\n  web:\n    docker: { image: debian:bookworm }\n`,
  `name: doubling\nvars:\n  a: xx\n  b: "\${vars.a}\${vars.a}"\n  c: "\${vars.b}\${vars.b}"\n  d: "\${vars.c}\${vars.c}"\nmachines:\n  web:\n    docker: { image: "\${vars.d}" }\n`,
  `name: secrets\nsecrets: [DB_URL]\nvars:\n  url: \${env.DB_URL}\nmachines:\n  web:\n    docker: { image: debian:bookworm, env: { URL: "\${vars.url}", T: "\${env.API_TOKEN}" } }\n    resources:\n      - file: /etc/app.conf\n        content: "url=\${vars.url}"\n        mode: "0600"\n`,
  `name: merge\ndefaults: &d { image: debian:bookworm }\nmachines:\n  web:\n    docker:\n      <<: *d\n      ports: ["127.0.0.1:8080:80"]\n`,
];

/** Fragments that reach the loader's corners: references, anchors, brackets, extends, odd keys. */
const TOKENS = [
  '${vars.', '${env.', '${vars.shop_env}', '${env.DB_URL}', '${env.HOME}', '${vars.nope}', '$${', '${', '}',
  '&a ', '*a', '<<: *a\n', '[', ']', '{', '}', ': ', '- ', '\n', '  ', '"', "'", '#', '? ', '|\n', '>-\n', '\t', '~', 'null', '0644', '!!binary ',
  '__proto__: 1\n', 'constructor: x\n', 'extends: ../../x.yaml\n', 'extends: /proc/self/environ\n', 'extends: ./fuzz.yaml\n', 'extends: ./base.yaml\n', 'extends: .\n', 'extends: ./pipe.yaml\n', 'extends: ./zero.yaml\n',
  'secrets: [DB_URL]\n', 'secrets: [nope]\n', 'secrets: ["a(b", "*", 1]\n', 'src: ../../../etc/passwd\n', 'src: files/index.html\n', 'drop: true\n', 'abstract: true\n', 'role: production\n',
  '\u0000', '\u00e9', '\ud83d\ude00', 'x'.repeat(300), '['.repeat(300), '{a: '.repeat(40),
];

type Mutation = (text: string, r: () => number) => string;
const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const at = (text: string, r: () => number) => Math.floor(r() * (text.length + 1));

const MUTATIONS: Mutation[] = [
  (t, r) => { const i = at(t, r); return t.slice(0, i) + pick(TOKENS, r) + t.slice(i); },
  (t, r) => { const i = at(t, r); const n = 1 + Math.floor(r() * 40); return t.slice(0, i) + t.slice(i + n); },
  (t, r) => { const i = at(t, r); const n = 1 + Math.floor(r() * 200); const j = at(t, r); return t.slice(0, j) + t.slice(i, i + n) + t.slice(j); },
  (t, r) => { const i = at(t, r); return t.slice(0, i) + String.fromCharCode(32 + Math.floor(r() * 95)) + t.slice(i + 1); },
  (t, r) => { const lines = t.split('\n'); const i = Math.floor(r() * lines.length); const j = Math.floor(r() * lines.length); [lines[i], lines[j]] = [lines[j]!, lines[i]!]; return lines.join('\n'); },
  (t, r) => { const lines = t.split('\n'); const i = Math.floor(r() * lines.length); lines.splice(i, 0, ...Array(1 + Math.floor(r() * 50)).fill(lines[i])); return lines.join('\n'); },
  (t, r) => { const lines = t.split('\n'); const i = Math.floor(r() * lines.length); lines[i] = (r() < 0.5 ? '  ' : '') + lines[i]!.replace(/^ {0,2}/, ''); return lines.join('\n'); },
];

function mutate(seed: string, r: () => number): string {
  let text = seed;
  const rounds = 1 + Math.floor(r() * 4);
  for (let k = 0; k < rounds; k++) text = pick(MUTATIONS, r)(text, r);
  return text;
}

let work: string;
let seeds: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'prodlike-fuzz-'));
  // The example profiles' own tree, so that their extends and src: files resolve.
  await cp(resolve('profiles'), join(work, 'profiles'), { recursive: true });
  // Files that must be refused, never waited on or read.
  execFileSync('mkfifo', [join(work, 'profiles/shop/pipe.yaml')]);
  await symlink('/dev/zero', join(work, 'profiles/shop/zero.yaml'));
  const files = [...yamlFiles(resolve('profiles')), ...yamlFiles(resolve('test/e2e/fixtures'))];
  seeds = [...(await Promise.all(files.map((f) => readFile(f, 'utf8')))), ...HOSTILE_SEEDS];
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('profile loader under mutated input', () => {
  it(`loads or refuses ${N} mutated profiles with a located error, each in under ${MAX_MS} ms`, { timeout: Math.max(60_000, N * 100) }, async () => {
    const r = rng(SEED);
    // PRODLIKE_FUZZ_SHOW=<case> prints that case's text (to look at a slow one).
    const show = Number(process.env.PRODLIKE_FUZZ_SHOW ?? -1);
    const file = join(work, 'profiles/shop/fuzz.yaml');
    let loaded = 0;
    let refused = 0;
    let slowest = { ms: 0, i: -1 };
    for (let i = 0; i < N; i++) {
      const text = mutate(pick(seeds, r), r);
      await writeFile(file, text);
      if (i === show) console.log(`case ${i}:\n${text}`);
      const started = Date.now();
      const outcome = await loadProfile(file, { env: ENV }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const ms = Date.now() - started;
      if (ms > slowest.ms) slowest = { ms, i };
      const where = `case ${i} of seed ${SEED} (PRODLIKE_FUZZ_SEED=${SEED}):\n${text.slice(0, 2000)}`;
      expect(ms, `took ${ms} ms: ${where}`).toBeLessThan(MAX_MS);
      if (outcome === undefined) {
        loaded++;
        continue;
      }
      refused++;
      expect(outcome, `not a ProfileError (${String(outcome)}): ${where}`).toBeInstanceOf(ProfileError);
      const err = outcome as ProfileError;
      expect(err.message.split('\n')[0], `not located: ${where}`).toMatch(/^\S.*:\d+:\d+: /);
      expect(JSON.stringify({ m: err.message, h: err.hint, w: err.where, d: err.details }), `shows a secret: ${where}`).not.toContain(SECRET);
    }
    // The mutations must reach both outcomes, or the test proves little.
    expect(loaded).toBeGreaterThan(N / 50);
    expect(refused).toBeGreaterThan(N / 4);
    console.log(`fuzz: ${N} cases, ${loaded} loaded, ${refused} refused, slowest ${slowest.ms} ms (case ${slowest.i})`);
  });
});
