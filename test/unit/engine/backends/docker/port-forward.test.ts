import { describe, expect, it } from 'vitest';
import { forwardsWanted } from '../../../../../electron/engine/backends/docker/port-forward.js';

const c = (state: string, machine: string, ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[]) =>
  ({ State: state, Labels: { 'prodlike.machine': machine }, Ports: ports }) as Parameters<typeof forwardsWanted>[0][number];

describe('the ports a remote engine\'s containers publish, to forward here', () => {
  it('are the published TCP ports of running containers, each once, in port order', () => {
    const wanted = forwardsWanted([
      c('running', 'web', [
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { IP: '127.0.0.1', PrivatePort: 443, PublicPort: 8443, Type: 'tcp' },
      ]),
      c('running', 'db', [{ IP: '10.0.0.5', PrivatePort: 5432, PublicPort: 5432, Type: 'tcp' }]),
    ]);
    expect(wanted).toEqual([
      { machine: 'db', port: 5432, remoteHost: '10.0.0.5' },
      { machine: 'web', port: 8080, remoteHost: '127.0.0.1' },
      { machine: 'web', port: 8443, remoteHost: '127.0.0.1' },
    ]);
  });

  it('leave out stopped containers, unpublished ports and UDP (SSH forwards TCP only)', () => {
    expect(
      forwardsWanted([
        c('exited', 'old', [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 9090, Type: 'tcp' }]),
        c('running', 'dns', [{ IP: '0.0.0.0', PrivatePort: 53, PublicPort: 5353, Type: 'udp' }]),
        c('running', 'inner', [{ PrivatePort: 6379, Type: 'tcp' }]),
      ]),
    ).toEqual([]);
  });
});
