// Finding profiles: what `prodlike up <arg>` accepts, and what the profile list shows.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listProfiles, resolveProfileArg } from '../../../../electron/engine/profile/index.js';
import { ProfileError } from '../../../../electron/engine/errors.js';
import { WEB, folder } from './fixture.js';

const tree = {
  'shop/base.yaml': 'abstract: true\nvars: { x: "1" }\n',
  'shop/dev.yaml': `name: shop-dev\nextends: ./base.yaml\n${WEB}`,
  'shop/production.yaml': `name: shop-prod\nrole: production\nmachines:\n  web-1:\n    ssh: { host: h, user: u }\n`,
  'blog/dev.yml': `name: blog-dev\ndescription: the blog\n${WEB}`,
  'blog/broken.yaml': `name: blog-broken\nrole: test\nmachines:\n  web:\n    dockr: {}\n`,
  'baselines/prod.yaml': 'format: prodlike-baseline/1\nhosts: {}\n',
  'other/baseline.yaml': 'baseline: { hosts: {} }\n',
  'node_modules/x/p.yaml': `name: nm\n${WEB}`,
  '.hidden/p.yaml': `name: hidden\n${WEB}`,
};

function thrown(f: () => unknown): ProfileError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    return e as ProfileError;
  }
  throw new Error('expected an error');
}

describe('resolveProfileArg', () => {
  it('takes a path to a file against the working directory', async () => {
    const dir = await folder(tree);
    expect(resolveProfileArg('./shop/dev.yaml', { cwd: dir, folders: [] })).toBe(join(dir, 'shop/dev.yaml'));
    expect(resolveProfileArg(join(dir, 'blog/dev.yml'), { cwd: '/', folders: [] })).toBe(join(dir, 'blog/dev.yml'));
  });

  it('finds folder/name without the extension in the profile folders', async () => {
    const dir = await folder(tree);
    expect(resolveProfileArg('shop/dev', { cwd: '/', folders: [dir] })).toBe(join(dir, 'shop/dev.yaml'));
    expect(resolveProfileArg('blog/dev', { cwd: '/', folders: [dir] })).toBe(join(dir, 'blog/dev.yml'));
  });

  it('finds a profile by its name: field', async () => {
    const dir = await folder(tree);
    expect(resolveProfileArg('shop-prod', { cwd: '/', folders: [dir] })).toBe(join(dir, 'shop/production.yaml'));
  });

  it('finds a profile by its file name when only one has it', async () => {
    const dir = await folder(tree);
    expect(resolveProfileArg('production', { cwd: '/', folders: [dir] })).toBe(join(dir, 'shop/production.yaml'));
  });

  it('a file name two folders have is ambiguous, and the error lists both', async () => {
    const dir = await folder(tree);
    const err = thrown(() => resolveProfileArg('dev', { cwd: '/', folders: [dir] }));
    expect(err.message).toMatch(/"dev" is ambiguous: it matches 2 profiles:\n.*blog\/dev\.yml\n.*shop\/dev\.yaml/);
  });

  it('an unknown name lists the profiles there are', async () => {
    const dir = await folder(tree);
    const err = thrown(() => resolveProfileArg('shop/stage', { cwd: '/', folders: [dir] }));
    expect(err.message).toMatch(/profile not found: "shop\/stage"/);
    expect(err.message).toContain('shop/dev (shop-dev)');
    expect(err.message).not.toContain('base');
    expect(err.message).not.toContain('baseline');
  });

  it('a path that does not exist is not looked for elsewhere', async () => {
    const dir = await folder(tree);
    expect(thrown(() => resolveProfileArg('./nope.yaml', { cwd: dir, folders: [dir] })).message).toMatch(/profile not found: "\.\/nope\.yaml" \(no such file\)/);
  });
});

describe('listProfiles', () => {
  it('lists profiles, with invalid ones marked, and leaves out parents, baselines, dot-folders and node_modules', async () => {
    const dir = await folder(tree);
    const list = await listProfiles([dir], { env: {} });
    expect(list.map((s) => s.name)).toEqual(['blog-broken', 'blog-dev', 'shop-dev', 'shop-prod']);
    const broken = list[0]!;
    expect(broken).toMatchObject({ file: join(dir, 'blog/broken.yaml'), folder: dir, role: 'test', machines: 1 });
    expect(broken.error).toMatchObject({ name: 'ProfileError', where: expect.stringMatching(/broken\.yaml:5:5$/) });
    expect(list[1]).toEqual({ file: join(dir, 'blog/dev.yml'), folder: dir, name: 'blog-dev', description: 'the blog', role: 'dev', machines: 1 });
  });

  it('skips folders that do not exist and lists a file once when folders overlap', async () => {
    const dir = await folder(tree);
    const list = await listProfiles([join(dir, 'missing'), dir, join(dir, 'shop')], { env: {} });
    expect(list.filter((s) => s.name === 'shop-dev')).toHaveLength(1);
  });

  it('marks a second profile with the same name as invalid: the name labels its containers', async () => {
    const dir = await folder({ 'a.yaml': `name: same\n${WEB}`, 'b.yaml': `name: same\n${WEB}` });
    const [a, b] = await listProfiles([dir], { env: {} });
    expect(a!.error).toBeUndefined();
    expect(b!.error?.message).toMatch(/b\.yaml: the name "same" is also the name of .*a\.yaml/);
  });
});
