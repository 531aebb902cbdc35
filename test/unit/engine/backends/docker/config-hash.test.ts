// The normalization behind the config hash: port and volume specs, and what counts as a change.
import { describe, expect, it } from 'vitest';
import { changedParts, configHash, formatParts, normalizeDockerSpec } from '../../../../../electron/engine/backends/docker/config-hash.js';
import { formatPortBinding, parsePort, parseVolume } from '../../../../../electron/engine/profile/docker-values.js';
import { dockerMachine } from '../../../../support/docker-profile.js';

const ports = (spec: string) => parsePort(spec).map(formatPortBinding);

describe('port specs', () => {
  it('bind to 127.0.0.1 unless an address is given', () => {
    expect(ports('8080:80')).toEqual(['127.0.0.1:8080->80/tcp']);
    expect(ports('0.0.0.0:8080:80')).toEqual(['0.0.0.0:8080->80/tcp']);
    expect(ports('[::1]:8080:80')).toEqual(['[::1]:8080->80/tcp']);
    expect(ports('53:53/udp')).toEqual(['127.0.0.1:53->53/udp']);
    expect(ports('80')).toEqual(['127.0.0.1:->80/tcp']);
    expect(ports('127.0.0.1::80')).toEqual(['127.0.0.1:->80/tcp']);
    expect(ports('8000-8001:9000-9001')).toEqual(['127.0.0.1:8000->9000/tcp', '127.0.0.1:8001->9001/tcp']);
  });

  it('reject what is not a port spec, naming it', () => {
    expect(() => parsePort('80:http')).toThrow('port "80:http": "http" is not a port number');
    expect(() => parsePort('70000:80')).toThrow('70000 is not between 1 and 65535');
    expect(() => parsePort('80:80/icmp')).toThrow('unknown protocol "icmp"');
  });
});

describe('volume specs', () => {
  it('named volumes, bind mounts, read-only, anonymous', () => {
    expect(parseVolume('data:/srv/data')).toEqual({ kind: 'volume', source: 'data', target: '/srv/data', readOnly: false });
    expect(parseVolume('/home/me/src:/src:ro')).toEqual({ kind: 'bind', source: '/home/me/src', target: '/src', readOnly: true });
    expect(parseVolume('/cache')).toEqual({ kind: 'anonymous', source: '', target: '/cache', readOnly: false });
    expect(parseVolume('./src:/src')).toEqual({ kind: 'bind', source: './src', target: '/src', readOnly: false });
    expect(() => parseVolume('my data:/src')).toThrow('neither a volume name nor an absolute host path');
  });
});

describe('config hash', () => {
  const spec = dockerMachine('web', { ports: ['8080:80'], env: { B: '2', A: '1' } }).docker!;

  it('does not depend on the order of env or ports, and does depend on the image ID', () => {
    const a = configHash(normalizeDockerSpec('web', spec, 'sha256:1'));
    const b = configHash(normalizeDockerSpec('web', { ...spec, env: { A: '1', B: '2' }, ports: ['127.0.0.1:8080:80'] }, 'sha256:1'));
    expect(b.hash).toBe(a.hash);
    const two = (ports: string[]) => configHash(normalizeDockerSpec('web', { ...spec, ports }, 'sha256:1')).hash;
    expect(two(['8080:80', '8443:443'])).toBe(two(['127.0.0.1:8443:443', '8080:80']));
    // …but a different pairing of the same numbers is another configuration.
    expect(two(['8080:80', '8443:443'])).not.toBe(two(['8080:443', '8443:80']));
    expect(configHash(normalizeDockerSpec('web', spec, 'sha256:2')).hash).not.toBe(a.hash);
  });

  it('names the pieces that changed', () => {
    const a = configHash(normalizeDockerSpec('web', spec, 'sha256:1'));
    const b = configHash(normalizeDockerSpec('web', { ...spec, ports: ['8081:80'], privileged: true }, 'sha256:1'));
    expect(changedParts(formatParts(a.parts), b.parts)).toEqual(['ports', 'privileged']);
    expect(changedParts(undefined, b.parts)).toEqual([]);
  });
});
