import { describe, expect, it } from 'vitest';
import { dockerEndpoint, engineUnreachableError } from '../../../../../electron/engine/backends/docker/client.js';

describe('the Docker engine address', () => {
  it('is the default socket when nothing is set', () => {
    expect(dockerEndpoint({})).toEqual({ address: 'unix:///var/run/docker.sock', options: { socketPath: '/var/run/docker.sock' } });
  });
  it('takes a unix socket from the setting', () => {
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///tmp/d.sock' }).options).toEqual({ socketPath: '/tmp/d.sock' });
  });
  it('gives docker-modem the host and port of a tcp:// setting (it would read the environment otherwise)', () => {
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://10.1.2.3:2375' }).options).toEqual({ host: '10.1.2.3', port: 2375, protocol: 'http' });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://engine.local:2376' }).options).toEqual({ host: 'engine.local', port: 2376, protocol: 'https' });
  });
});

describe('the hint when the engine does not answer', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const denied = Object.assign(new Error('connect EACCES'), { code: 'EACCES' });
  it('names what chose the engine: the settings come before DOCKER_HOST, so DOCKER_HOST is not the way out there', () => {
    expect(engineUnreachableError('unix:///s.sock', refused, 'setting').hint).toBe("start it: `sudo systemctl start docker` (or run `dockerd`), or change the Docker engine in the app's Settings (it comes before DOCKER_HOST)");
    expect(engineUnreachableError('unix:///s.sock', denied, 'setting').hint).toBe("add your user to the `docker` group (then log in again), or change the Docker engine in the app's Settings (it comes before DOCKER_HOST)");
    expect(engineUnreachableError('unix:///s.sock', refused, 'DOCKER_HOST').hint).toMatch(/, or point DOCKER_HOST at a running engine$/);
  });
  it.each(['DOCKER_CONTEXT', 'config', 'default', undefined] as const)('%s: setting DOCKER_HOST would choose another engine, and the hint says so', (source) => {
    expect(engineUnreachableError('unix:///s.sock', refused, source).hint).toMatch(/, or set DOCKER_HOST$/);
  });
});
