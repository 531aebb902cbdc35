import { describe, expect, it } from 'vitest';
import { parsePort, portViews } from '../../../renderer/src/state/ports';

describe('ports', () => {
  it('reads what the engine lists for a running container', () => {
    expect(parsePort('127.0.0.1:8080->80/tcp')).toEqual({ raw: '127.0.0.1:8080->80/tcp', address: '127.0.0.1:8080', hostPort: 8080, containerPort: '80', proto: 'tcp', href: 'http://127.0.0.1:8080' });
    // Bound to every address: reached on loopback.
    expect(parsePort('0.0.0.0:5432->5432/tcp')?.href).toBe('http://127.0.0.1:5432');
    expect(parsePort('[::]:9000->9000/tcp')?.address).toBe('127.0.0.1:9000');
    expect(parsePort('[::1]:9000->9000/tcp')?.address).toBe('[::1]:9000');
  });

  it('reads what a profile declares', () => {
    expect(parsePort('127.0.0.1:8080:80')).toMatchObject({ address: '127.0.0.1:8080', containerPort: '80', href: 'http://127.0.0.1:8080' });
    expect(parsePort('8080:80')).toMatchObject({ address: '127.0.0.1:8080', hostPort: 8080, containerPort: '80' });
    expect(parsePort('10.1.2.3:8443:443')).toMatchObject({ address: '10.1.2.3:8443', href: 'http://10.1.2.3:8443' });
  });

  it('gives no link for UDP, and no address when no host port is published', () => {
    const udp = parsePort('5353:53/udp');
    expect(udp).toMatchObject({ address: '127.0.0.1:5353', proto: 'udp' });
    expect(udp?.href).toBeUndefined();
    const bare = parsePort('80');
    expect(bare?.address).toBeUndefined();
    expect(bare?.href).toBeUndefined();
  });

  it('keeps what it cannot read as text', () => {
    expect(parsePort('not a port')).toBeNull();
    expect(portViews(['not a port'])[0]).toEqual({ raw: 'not a port', containerPort: 'not a port', proto: 'tcp' });
  });
});
