// The Docker CLI's credentials for the cache registry, read as the CLI keeps them after `docker login`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registryAuth, registryOf, type HelperRun } from '../../../../../electron/engine/backends/docker/registry-auth.js';

const dirs: string[] = [];
async function configDir(config: unknown): Promise<NodeJS.ProcessEnv> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pl-dockercfg-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  return { DOCKER_CONFIG: dir };
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const b64 = (s: string) => Buffer.from(s).toString('base64');
const noHelper: HelperRun = async () => undefined;

describe('registryOf', () => {
  it('is the first part of the reference when it is a host, else Docker Hub', () => {
    expect(registryOf('127.0.0.1:5000/shop')).toBe('127.0.0.1:5000');
    expect(registryOf('registry.example.com/team/shop')).toBe('registry.example.com');
    expect(registryOf('localhost/shop')).toBe('localhost');
    expect(registryOf('team/shop')).toBe('https://index.docker.io/v1/');
    expect(registryOf('shop')).toBe('https://index.docker.io/v1/');
  });
});

describe('registryAuth', () => {
  it('reads the base64 user:password of auths, keyed by host or by URL', async () => {
    const env = await configDir({ auths: { '127.0.0.1:5000': { auth: b64('alice:s3:cret') }, 'https://reg.example.com': { auth: b64('bob:pw') } } });
    expect(await registryAuth('127.0.0.1:5000/shop', env, noHelper)).toEqual({ serveraddress: '127.0.0.1:5000', username: 'alice', password: 's3:cret' });
    expect(await registryAuth('reg.example.com/shop', env, noHelper)).toEqual({ serveraddress: 'reg.example.com', username: 'bob', password: 'pw' });
    expect(await registryAuth('other.example.com/shop', env, noHelper)).toBeUndefined();
  });

  it('asks the registry credential helper first, then the default store, then auths', async () => {
    const asked: string[] = [];
    const helper: HelperRun = async (name, registry) => {
      asked.push(`${name} ${registry}`);
      if (name === 'ecr') return JSON.stringify({ ServerURL: registry, Username: 'AWS', Secret: 'tok' });
      if (name === 'desktop' && registry === 'reg.example.com') return JSON.stringify({ Username: '<token>', Secret: 'idt' });
      return undefined;
    };
    const env = await configDir({ credHelpers: { 'ecr.example.com': 'ecr' }, credsStore: 'desktop', auths: { '127.0.0.1:5000': { auth: b64('alice:pw') } } });
    expect(await registryAuth('ecr.example.com/shop', env, helper)).toEqual({ serveraddress: 'ecr.example.com', username: 'AWS', password: 'tok' });
    expect(await registryAuth('reg.example.com/shop', env, helper)).toEqual({ serveraddress: 'reg.example.com', identitytoken: 'idt' });
    // The store has nothing for it: the auths entry is used.
    expect(await registryAuth('127.0.0.1:5000/shop', env, helper)).toEqual({ serveraddress: '127.0.0.1:5000', username: 'alice', password: 'pw' });
    expect(asked).toEqual(['ecr ecr.example.com', 'desktop reg.example.com', 'desktop 127.0.0.1:5000']);
  });

  it('no config, or one that is not JSON: no credentials, no error', async () => {
    expect(await registryAuth('127.0.0.1:5000/shop', { DOCKER_CONFIG: '/nonexistent/pl' }, noHelper)).toBeUndefined();
    const env = await configDir({});
    await writeFile(path.join(env.DOCKER_CONFIG!, 'config.json'), '{ not json');
    expect(await registryAuth('127.0.0.1:5000/shop', env, noHelper)).toBeUndefined();
  });
});
