import { describe, expect, it } from 'vitest';
import { dockerEndpoint } from '../../../../../electron/engine/backends/docker/client.js';

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
