// extends: parents are inside the profile tree, as src: files are inside their folder. A refused path
// is named in the error, never read, never echoed; FIFOs, devices and folders are refused where named.
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../electron/engine/profile/index.js';
import { profileTree } from '../../../../electron/engine/profile/files.js';
import { WEB, folder, profileError } from './fixture.js';

const MARKER = 'TOKEN=tok-9fK2xQ7LmZ3vR8tY1wB4n';

/** A project with profiles/ and, beside it, a file that must never be read. */
async function project(child: string, files: Record<string, string> = {}) {
  const dir = await folder({ 'outside.yaml': `${MARKER}\n`, 'profiles/shop/p.yaml': child, ...files });
  return { dir, file: join(dir, 'profiles/shop/p.yaml') };
}

async function quickly<T>(p: Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await p;
  } finally {
    expect(Date.now() - started).toBeLessThan(2000);
  }
}

describe('the profile tree', () => {
  it('is the nearest folder named profiles, else the profile\'s own folder', () => {
    expect(profileTree('/r/profiles/shop/dev.yaml')).toBe('/r/profiles');
    expect(profileTree('/r/profiles/dev.yaml')).toBe('/r/profiles');
    expect(profileTree('/r/envs/shop/dev.yaml')).toBe('/r/envs/shop');
  });

  it('lets a profile extend a parent in a sibling folder of the tree', async () => {
    const { file } = await project(`name: x\nextends: ../common/base.yaml\n`, { 'profiles/common/base.yaml': `abstract: true\n${WEB}` });
    expect((await loadProfile(file)).machines.map((m) => m.name)).toEqual(['web']);
  });
});

describe('extends: outside the profile tree is refused, unread', () => {
  it.each([
    ['/proc/self/environ', /p\.yaml:2:10: extends: "\/proc\/self\/environ" must be a path relative to this file/],
    ['/etc/passwd', /p\.yaml:2:10: extends: "\/etc\/passwd" must be a path relative to this file/],
    ['/dev/stdin', /p\.yaml:2:10: extends: "\/dev\/stdin" must be a path relative to this file/],
    ['~/.bashrc', /p\.yaml:2:10: extends: "~\/\.bashrc" must be a path relative to this file/],
    ['../../outside.yaml', /p\.yaml:2:10: extends: "\.\.\/\.\.\/outside\.yaml" points outside the profile tree \(.*profiles\)/],
    ['../../../../../../../../proc/self/environ', /p\.yaml:2:10: extends: ".*" points outside the profile tree/],
  ])('extends: %s', async (ref, message) => {
    const { file } = await project(`name: x\nextends: ${ref}\n${WEB}`);
    const err = await quickly(profileError(loadProfile(file, { env: { SECRET_TOKEN: 'tok-9fK2xQ7LmZ3vR8tY1wB4n' } })));
    expect(err.message).toMatch(message);
    expect(JSON.stringify({ m: err.message, h: err.hint, d: err.details })).not.toMatch(/TOKEN=|tok-9fK2|root:x:0/);
  });

  it('a symbolic link in the tree to a file outside it', async () => {
    const { dir, file } = await project(`name: x\nextends: ./base.yaml\n${WEB}`);
    await symlink(join(dir, 'outside.yaml'), join(dir, 'profiles/shop/base.yaml'));
    const err = await profileError(loadProfile(file));
    expect(err.message).toMatch(/p\.yaml:2:10: extends: "\.\/base\.yaml" is a symbolic link to a file outside the profile tree/);
    expect(err.message).not.toContain('TOKEN');
  });

  it('a symbolic link to a device', async () => {
    const { dir, file } = await project(`name: x\nextends: ./zero.yaml\n${WEB}`);
    await symlink('/dev/zero', join(dir, 'profiles/shop/zero.yaml'));
    const err = await quickly(profileError(loadProfile(file)));
    expect(err.message).toMatch(/p\.yaml:2:10: extends: "\.\/zero\.yaml" is a symbolic link to a file outside the profile tree/);
  });
});

describe('extends: to something that is not a file', () => {
  it('a FIFO is refused at once, not waited on', async () => {
    const { dir, file } = await project(`name: x\nextends: ./pipe.yaml\n${WEB}`);
    execFileSync('mkfifo', [join(dir, 'profiles/shop/pipe.yaml')]);
    const err = await quickly(profileError(loadProfile(file)));
    expect(err.message).toMatch(/p\.yaml:2:10: extends: "\.\/pipe\.yaml": expected a regular file, found a special file/);
  });

  it('a folder is refused', async () => {
    const { dir, file } = await project(`name: x\nextends: [./base.yaml, ./sub]\n${WEB}`, { 'profiles/shop/base.yaml': 'abstract: true\n' });
    await mkdir(join(dir, 'profiles/shop/sub'));
    const err = await profileError(loadProfile(file));
    expect(err.message).toMatch(/p\.yaml:2:24: extends: "\.\/sub": expected a file, found a folder/);
  });

  it('a parent larger than a profile can be is refused without reading it', async () => {
    const { dir, file } = await project(`name: x\nextends: ./big.yaml\n${WEB}`);
    await writeFile(join(dir, 'profiles/shop/big.yaml'), `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const err = await profileError(loadProfile(file));
    expect(err.message).toMatch(/p\.yaml:2:10: extends: "\.\/big\.yaml": the file is \d+ bytes, more than the limit of 1048576/);
  });

  it('a FIFO named as the profile itself is refused at once', async () => {
    const dir = await folder({});
    execFileSync('mkfifo', [join(dir, 'p.yaml')]);
    const err = await quickly(profileError(loadProfile(join(dir, 'p.yaml'))));
    expect(err.message).toMatch(/cannot read .*p\.yaml: expected a regular file, found a special file/);
  });
});
