import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../electron/engine/profile/index.js';
import { MASK, looksLikeCredential, looksLikeToken, redactor, secretParts, secretsOf } from '../../../electron/engine/secrets.js';
import { folder, profileError } from './profile/fixture.js';

const URL_SECRET = 'postgres://shop:S3cr3t@db/shop';

async function load(text: string, env: Record<string, string>, extra: Record<string, string> = {}) {
  const dir = await folder({ 'p.yaml': text, ...extra });
  return loadProfile(`${dir}/p.yaml`, { env });
}

const machine = (resource: string) => `machines:
  web:
    docker: { image: debian:bookworm }
    resources:
${resource}`;

describe('which values are secret', () => {
  it('a URL with a password is a credential; its password is masked on its own too', () => {
    expect(looksLikeCredential(URL_SECRET)).toBe(true);
    expect(secretParts(URL_SECRET)).toEqual([URL_SECRET, 'S3cr3t']);
    expect(secretParts('https://u:p%40ssw0rd@h/')).toEqual(['https://u:p%40ssw0rd@h/', 'p%40ssw0rd', 'p@ssw0rd']);
    expect(looksLikeCredential('postgres://shop@db/shop')).toBe(false);
    expect(looksLikeCredential('https://example.com:8443/path')).toBe(false);
  });

  it('a long random-looking token is a credential; paths, versions, words and images are not', () => {
    expect(looksLikeToken('ghp_9fK2xQ7LmZ3vR8tY1wB4nC6dE0aH5jS')).toBe(true);
    expect(looksLikeToken('AKIAIOSFODNN7EXAMPLEq93kd')).toBe(true);
    for (const ordinary of ['/usr/local/lib/node_modules', '1.22.3-1~bookworm1', 'registry.example.com', 'shop-development-environment', 'aaaaaaaaaaaaaaaaaaaaaaaa1', 'debian_bookworm_slim_2024']) {
      expect(looksLikeToken(ordinary), ordinary).toBe(false);
    }
  });
});

describe('secrets found while a profile loads', () => {
  it('records the value of ${env.DB_URL} by what it holds, though its name says nothing', async () => {
    const p = await load(`name: x\n${machine('      - file: /etc/app.conf\n        content: "url=${env.DB_URL}"\n')}`, { DB_URL: URL_SECRET, HOME: '/root' });
    expect([...secretsOf(p)].sort()).toEqual(['S3cr3t', URL_SECRET].sort());
  });

  it('records secret-named env values, and leaves ordinary ones alone', async () => {
    const p = await load(`name: x\n${machine('      - env: A\n        value: "${env.DB_PASSWORD} ${env.REGION}"\n')}`, { DB_PASSWORD: 'hunter2!', REGION: 'eu-west-1' });
    expect(secretsOf(p)).toEqual(['hunter2!']);
  });

  it('records what secrets: names: an env variable, and a variable (with what it took from others)', async () => {
    const p = await load(
      `name: x\nsecrets: [SHOP_KEY, api]\nvars:\n  api: "k-\${env.API_PART}"\n${machine('      - env: A\n        value: "${env.SHOP_KEY}/${vars.api}"\n')}`,
      { SHOP_KEY: 'plainword', API_PART: 'abcd' },
    );
    expect([...secretsOf(p)].sort()).toEqual(['k-abcd', 'plainword']);
  });

  it('keeps the secrets of a parent\'s secrets: list', async () => {
    const p = await load(`name: x\nextends: ./base.yaml\n`, { SHOP_KEY: 'plainword' }, {
      'base.yaml': `abstract: true\nsecrets: [SHOP_KEY]\n${machine('      - env: A\n        value: ${env.SHOP_KEY}\n')}`,
    });
    expect(secretsOf(p)).toEqual(['plainword']);
  });

  it('a name under secrets: that nothing uses is an error at that name (a typo would leave a secret unmasked)', async () => {
    const err = await profileError(load(`name: x\nsecrets: [DB_ULR]\n${machine('      - env: A\n        value: ${env.DB_URL}\n')}`, { DB_URL: URL_SECRET }));
    expect(err.message).toMatch(/p\.yaml:2:11: secrets: "DB_ULR" is neither a variable under vars: nor an \$\{env\.DB_ULR\}/);
  });

  it('a secrets: entry that is not a name is an error at that entry', async () => {
    const err = await profileError(load(`name: x\nsecrets: ["a(b", 5, [x]]\n${machine('      - package: nginx\n')}`, {}));
    expect(err.message).toMatch(/p\.yaml:2:11: secrets\[0\]: expected a variable name \(letters, digits, _ and -\), found the string "a\(b"/);
    expect(err.message).toMatch(/p\.yaml:2:18: secrets\[1\]: expected a variable name/);
    expect(err.message).toMatch(/p\.yaml:2:21: secrets\[2\]: expected a variable name .*found a list/);
    const notList = await profileError(load(`name: x\nsecrets: DB_URL\n${machine('      - package: nginx\n')}`, {}));
    expect(notList.message).toMatch(/p\.yaml:2:10: secrets: expected a list of variable names, found the string "DB_URL"/);
  });

  it('never serializes the secrets with the profile (JSON, copies, the redactor)', async () => {
    const p = await load(`name: x\n${machine('      - env: A\n        value: ${env.DB_URL}\n')}`, { DB_URL: URL_SECRET });
    expect(secretsOf(p).length).toBe(2);
    expect(JSON.stringify(p)).not.toContain('secrets');
    expect(Object.keys(p)).not.toContain('secrets');
    const shown = redactor(secretsOf(p))(p);
    expect(JSON.stringify(shown)).not.toContain('S3cr3t');
    expect(JSON.stringify(shown)).toContain(MASK);
  });

  it('a value passed through vars: is not shown in a load error, nor is any part of it', async () => {
    const long = `postgres://shop:S3cr3t@db.internal.example.com:5432/shop?sslmode=require&application_name=x`;
    const err = await profileError(load(`name: x\nvars:\n  url: \${env.DB_URL}\n${machine('      - file: ${vars.url}\n')}`, { DB_URL: long }));
    expect(err.message).toMatch(/p\.yaml:8:15: .*expected an absolute file path .*found the value of \$\{vars\.url\} \(not shown\)/);
    expect(JSON.stringify({ m: err.message, d: err.details, h: err.hint })).not.toMatch(/S3cr3t|postgres:/);
  });

  it('masks a secret in any load error that would otherwise carry it', async () => {
    // src: echoes the path it refuses (not through describeNode).
    const err = await profileError(load(`name: x\nsecrets: [P]\n${machine('      - file: /etc/x\n        src: ${env.P}\n')}`, { P: '/etc/S3cr3t-x' }));
    expect(err.message).toMatch(/p\.yaml:8:14: .*src: "\*{8}" must be a path relative to the profile file/);
    expect(err.message).not.toContain('S3cr3t');
  });
});

describe('redactor', () => {
  it('masks every occurrence in nested events, longest secret first', () => {
    const redact = redactor(['hunter2', 'hunter2-long']);
    const event = { type: 'resource', changes: [{ summary: 'value hunter2-long → x', diff: '+pw=hunter2\n' }], n: 3 };
    const out = redact(event);
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(out.changes[0]!.summary).toBe(`value ${MASK} → x`);
    expect(out.n).toBe(3);
    expect(event.changes[0]!.diff).toBe('+pw=hunter2\n'); // the original is untouched
  });

  it('is the identity when the profile references no secret', () => {
    const redact = redactor([]);
    const e = { a: 'hunter2' };
    expect(redact(e)).toBe(e);
  });
});
