// The host layer both transports share: every request is validated against its channel's schema and
// every outcome crosses as an envelope.
import { describe, expect, it } from 'vitest';
import { API_CHANNELS } from '../../../shared/api';
import { dispatch } from '../../../electron/api/dispatch';
import type { Handlers } from '../../../electron/api/handlers';
import { httpStatusFor } from '../../../electron/api/request-errors';
import { requestSchemas } from '../../../electron/api/schemas';
import { ProdlikeError } from '../../../electron/engine/errors';

const handlers = new Proxy({} as Handlers, {
  get: (_t, channel: string) => async (req: unknown) => {
    if (channel === 'settings:get') throw new ProdlikeError('Docker is not running', { hint: 'Start it', where: 'docker' });
    return { channel, req };
  },
});

describe('host dispatch', () => {
  it('has a schema for every channel in the contract', () => {
    expect(Object.keys(requestSchemas).sort()).toEqual([...API_CHANNELS].sort());
  });

  it('passes a valid request to the handler and wraps the result', async () => {
    await expect(dispatch(handlers, 'runs:start', { kind: 'up', file: '/p/dev.yaml' })).resolves.toEqual({
      result: { channel: 'runs:start', req: { kind: 'up', file: '/p/dev.yaml' } },
    });
  });

  it('takes a bake push to a registry repository', async () => {
    const req = { kind: 'bake', file: '/p/dev.yaml', push: '127.0.0.1:5000/team/shop-cache' };
    await expect(dispatch(handlers, 'runs:start', req)).resolves.toEqual({ result: { channel: 'runs:start', req } });
  });

  it("takes a row's Remove: the keys of cached states", async () => {
    const req = { keys: ['bed6098083c4', 'a'.repeat(64)] };
    await expect(dispatch(handlers, 'cache:prune', req)).resolves.toEqual({ result: { channel: 'cache:prune', req } });
  });

  it('accepts no body, null or {} for channels without arguments', async () => {
    for (const body of [undefined, null, {}]) {
      const env = await dispatch(handlers, 'profiles:list', body);
      expect(env).toHaveProperty('result');
    }
  });

  it('refuses an unknown channel (404)', async () => {
    const env = await dispatch(handlers, 'fs:readFile', {});
    expect('error' in env && env.error.name).toBe('UnknownChannelError');
    expect('error' in env && httpStatusFor(env.error)).toBe(404);
  });

  it('refuses invalid input with a message naming the field (400)', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['runs:start', { kind: 'rm -rf', file: '/p/dev.yaml' }, /kind/],
      ['runs:start', { kind: 'up', file: 'relative.yaml' }, /file: must be an absolute path/],
      ['runs:start', { kind: 'capture', file: '/p/prod.yaml', baseline: '/etc/passwd' }, /baseline/],
      ['runs:start', { kind: 'bake', file: '/p/dev.yaml', push: '127.0.0.1:5391/RHUP' }, /push: must be a registry repository .*"RHUP" has uppercase letters/],
      ['runs:start', { kind: 'bake', file: '/p/dev.yaml', push: '127.0.0.1:5391/rhtag:v1' }, /push: .*":v1" is a tag/],
      ['profiles:get', { file: '/p/dev.yaml', extra: 1 }, /extra|Unrecognized/i],
      ['hostkeys:trust', { host: 'a;b', port: 22 }, /host/],
      ['shell:resize', { shellId: 'x', cols: 0, rows: 10 }, /cols/],
      ['settings:set', { dockerHost: 'http://evil' }, /dockerHost/],
      ['cache:prune', { keys: ['../x'] }, /keys.*must be a cache key/],
      ['cache:prune', { keys: [] }, /keys/],
    ];
    for (const [channel, body, msg] of cases) {
      const env = await dispatch(handlers, channel, body);
      expect('error' in env, channel).toBe(true);
      if ('error' in env) {
        expect(env.error.name).toBe('InvalidRequestError');
        expect(env.error.message).toMatch(msg);
        expect(httpStatusFor(env.error)).toBe(400);
      }
    }
  });

  it("carries an engine error's message, hint and location", async () => {
    const env = await dispatch(handlers, 'settings:get', undefined);
    expect(env).toEqual({ error: { name: 'ProdlikeError', message: 'Docker is not running', hint: 'Start it', where: 'docker' } });
  });
});
