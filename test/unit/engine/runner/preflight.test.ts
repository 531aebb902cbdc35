// The pure parts of `use`'s preflight: which host ports the target wants, which running container holds
// one and who it is, what /proc/net says, and the decisions of the switch (plan, failure message).
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningContainer } from '../../../../electron/engine/backends/docker/provider.js';
import {
  addressesOverlap,
  bindTest,
  containerClashes,
  describeContainer,
  parseProcNet,
  preflightMessage,
  processHolding,
  profilesToStop,
  wantedPorts,
} from '../../../../electron/engine/runner/preflight.js';
import { describeFailure, planLines } from '../../../../electron/engine/runner/use.js';
import type { MachineResult } from '../../../../shared/report.js';
import { dockerMachine, makeProfile } from '../../../support/docker-profile.js';

const container = (name: string, ports: string[], labels: Record<string, string> = {}): RunningContainer => ({
  id: `id-${name}`,
  name,
  labels,
  ports: ports.map((p) => {
    const [ip, port, proto] = /^(.*):(\d+)\/(\w+)$/.exec(p)!.slice(1) as [string, string, string];
    return { ip, port: Number(port), proto };
  }),
});
const prodlike = (profile: string, machine: string, file?: string) => ({ 'prodlike.profile': profile, 'prodlike.machine': machine, ...(file ? { 'prodlike.profile-file': file } : {}) });

describe('wanted host ports', () => {
  it('lists each machine’s published host ports (127.0.0.1 unless an address is given), not container-only ports', () => {
    const p = makeProfile('t', [dockerMachine('web', { ports: ['8080:80', '0.0.0.0:8443:443', '9000'] }), dockerMachine('dns', { ports: ['53:53/udp'] })]);
    expect(wantedPorts(p)).toEqual({
      ports: [
        { machine: 'web', ip: '127.0.0.1', port: 8080, proto: 'tcp' },
        { machine: 'web', ip: '0.0.0.0', port: 8443, proto: 'tcp' },
        { machine: 'dns', ip: '127.0.0.1', port: 53, proto: 'udp' },
      ],
      problems: [],
    });
  });

  it('a host port two machines of the profile both publish is a problem; tcp and udp on one number are not', () => {
    const p = makeProfile('t', [dockerMachine('a', { ports: ['8080:80', '53:53/udp'] }), dockerMachine('b', { ports: ['0.0.0.0:8080:81', '53:53'] })]);
    const { ports, problems } = wantedPorts(p);
    expect(problems.map((x) => x.message)).toEqual(['host port 0.0.0.0:8080/tcp is published by both a and b']);
    expect(ports.map((x) => `${x.machine} ${x.port}/${x.proto}`)).toEqual(['a 8080/tcp', 'a 53/udp', 'b 53/tcp']);
  });

  it('a port spec that does not parse is a problem naming the machine', () => {
    const { problems } = wantedPorts(makeProfile('t', [dockerMachine('web', { ports: ['80:http'] })]));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe('machine web: port "80:http": "http" is not a port number');
  });
});

describe('addresses that clash on one port', () => {
  it('the same address, or either one a wildcard (IPv4 or IPv6)', () => {
    expect(addressesOverlap('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(addressesOverlap('0.0.0.0', '127.0.0.1')).toBe(true);
    expect(addressesOverlap('127.0.0.1', '::')).toBe(true);
    expect(addressesOverlap('::ffff:127.0.0.1', '127.0.0.1')).toBe(true);
    expect(addressesOverlap('127.0.0.1', '127.0.0.2')).toBe(false);
    expect(addressesOverlap('::1', '127.0.0.1')).toBe(false);
  });
});

describe('who holds a port', () => {
  it('names a container by its Prodlike profile and machine, else its Compose project, else its name alone', () => {
    expect(describeContainer(container('shop-dev-web', [], prodlike('shop-dev', 'web')))).toBe('container shop-dev-web (Prodlike profile shop-dev, machine web)');
    expect(describeContainer(container('blog-db-1', [], { 'com.docker.compose.project': 'blog' }))).toBe('container blog-db-1 (Compose project blog)');
    expect(describeContainer(container('pg', []))).toBe('container pg');
  });

  const wanted = wantedPorts(makeProfile('shop-test', [dockerMachine('web', { ports: ['8080:80'] }), dockerMachine('db', { ports: ['5432:5432'] }), dockerMachine('dns', { ports: ['53:53/udp'] })])).ports;

  it('a container the switch leaves running is a clash; the profiles it stops and the target’s own are not', () => {
    const running = [
      container('shop-dev-web', ['127.0.0.1:8080/tcp'], prodlike('shop-dev', 'web')),
      container('blog-db-1', ['0.0.0.0:5432/tcp'], { 'com.docker.compose.project': 'blog' }),
      container('shop-test-dns', ['127.0.0.1:53/udp'], prodlike('shop-test', 'dns')),
      container('other', ['127.0.0.1:53/tcp', '127.0.0.2:8080/tcp']),
    ];
    const clashes = containerClashes(wanted, running, 'shop-test', new Set(['shop-dev']));
    expect(clashes.map((c) => `${c.port.machine}: ${typeof c.holder === 'string' ? c.holder : c.holder.name}`)).toEqual(['web: released', 'db: blog-db-1', 'dns: own']);
    // Not stopping shop-dev (it is the target's twin only by name): then it is a clash too.
    expect(containerClashes(wanted, running, 'shop-test', new Set()).map((c) => (typeof c.holder === 'string' ? c.holder : c.holder.name))).toEqual(['shop-dev-web', 'blog-db-1', 'own']);
  });

  it('a foreign holder wins over a released one on the same port', () => {
    const running = [container('a', ['127.0.0.1:8080/tcp'], prodlike('shop-dev', 'web')), container('b', ['0.0.0.0:8080/tcp'])];
    expect(containerClashes(wanted.slice(0, 1), running, 'shop-test', new Set(['shop-dev']))[0]!.holder).toMatchObject({ name: 'b' });
  });
});

describe('profiles the switch stops', () => {
  it('every running Prodlike profile but the target, with its machines, ports and file; other containers are not profiles', () => {
    const running = [
      container('shop-dev-web', ['127.0.0.1:8080/tcp', '0.0.0.0:8080/tcp'], prodlike('shop-dev', 'web', '/p/dev.yaml')),
      container('shop-dev-db', [], prodlike('shop-dev', 'db', '/p/dev.yaml')),
      container('shop-test-web', [], prodlike('shop-test', 'web')),
      container('blog-db-1', ['0.0.0.0:5432/tcp'], { 'com.docker.compose.project': 'blog' }),
      container('a-api', [], prodlike('a', 'api')),
    ];
    expect(profilesToStop(running, 'shop-test')).toEqual([
      { profile: 'a', machines: ['api'], ports: [] },
      { profile: 'shop-dev', file: '/p/dev.yaml', machines: ['db', 'web'], ports: ['8080/tcp'] },
    ]);
  });
});

describe('/proc/net', () => {
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 22531 1 0000000000000000 100 0 0 10 0
   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1607 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 30 10 -1
`;
  const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 779 1 0000000000000000 100 0 0 10 0
`;
  it('reads listening TCP sockets (address, port, inode), IPv4 and IPv6, and skips connections', () => {
    expect(parseProcNet(tcp, 'tcp')).toEqual([
      { ip: '127.0.0.1', port: 8080, inode: 22531 },
      { ip: '0.0.0.0', port: 2024, inode: 1607 },
    ]);
    expect(parseProcNet(tcp6, 'tcp')).toEqual([
      { ip: '::', port: 8081, inode: 777 },
      { ip: '::1', port: 22, inode: 778 },
      { ip: '::ffff:127.0.0.1', port: 8082, inode: 779 },
    ]);
  });

  it('reads bound UDP sockets (state 07) and not TCP listeners as UDP', () => {
    const udp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  1: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 4242 2 0000000000000000 0
`;
    expect(parseProcNet(udp, 'udp')).toEqual([{ ip: '127.0.0.53', port: 53, inode: 4242 }]);
    expect(parseProcNet(tcp, 'udp')).toEqual([]);
  });

  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('finds the process whose file descriptor is the listening socket', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'pl-proc-'));
    dirs.push(root);
    await mkdir(path.join(root, 'net'));
    await writeFile(path.join(root, 'net', 'tcp'), tcp);
    await writeFile(path.join(root, 'net', 'tcp6'), tcp6);
    for (const [pid, comm, inode] of [
      ['17', 'sshd', 1607],
      ['4242', 'nginx', 22531],
    ] as const) {
      await mkdir(path.join(root, pid, 'fd'), { recursive: true });
      await writeFile(path.join(root, pid, 'comm'), `${comm}\n`);
      await symlink('/dev/null', path.join(root, pid, 'fd', '0'));
      await symlink(`socket:[${inode}]`, path.join(root, pid, 'fd', '5'));
    }
    await mkdir(path.join(root, 'self'));
    expect(await processHolding('127.0.0.1', 8080, 'tcp', root)).toBe('process nginx (pid 4242)');
    // 0.0.0.0:2024 holds 127.0.0.1:2024 too.
    expect(await processHolding('127.0.0.1', 2024, 'tcp', root)).toBe('process sshd (pid 17)');
    expect(await processHolding('127.0.0.1', 9999, 'tcp', root)).toBeUndefined();
    // Listening, but no process we can see owns it.
    expect(await processHolding('127.0.0.1', 8081, 'tcp', root)).toBeUndefined();
  });
});

describe('bind test', () => {
  it('says in use for a port this process listens on, and free once it is closed', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    expect(await bindTest('127.0.0.1', port, 'tcp')).toBe('in-use');
    expect(await bindTest('0.0.0.0', port, 'tcp')).toBe('in-use');
    await new Promise((r) => server.close(r));
    expect(await bindTest('127.0.0.1', port, 'tcp')).toBe('free');
  });
});

describe('what the switch says', () => {
  it('refused: every problem, with what to do, and that nothing was stopped', () => {
    const text = preflightMessage('shop-test', [
      { kind: 'port', machine: 'web', message: 'host port 127.0.0.1:8080/tcp (machine web) is held by container x', hint: 'stop it' },
      { kind: 'image', machine: 'db', message: 'machine db: image y is not present and cannot be pulled: no registry' },
    ]);
    expect(text).toBe(
      'cannot switch to shop-test: 2 problems found before stopping anything (nothing was stopped):\n' +
        '  - host port 127.0.0.1:8080/tcp (machine web) is held by container x\n    → stop it\n' +
        '  - machine db: image y is not present and cannot be pulled: no registry',
    );
  });

  it('the plan: what stops (and whether first) and what starts', () => {
    expect(
      planLines({
        profile: 'shop-test',
        file: '/p/test.yaml',
        stop: [{ profile: 'shop-dev', machines: ['db', 'web'], ports: ['8080/tcp'] }],
        start: [
          { machine: 'web', provider: 'docker', action: 'create' },
          { machine: 'db', provider: 'docker', action: 'recreate', detail: 'ports changed' },
        ],
        order: 'stop-first',
        problems: [],
        durationMs: 42,
      }),
    ).toEqual([
      'preflight passed in 42 ms: host ports free, images present or obtainable',
      'will stop: shop-dev (db, web), before starting (they share host ports)',
      'will start shop-test: web (create), db (recreate: ports changed)',
    ]);
  });

  it('a failed target: the failed resource with its error, else the machine’s error; nothing when all is well', () => {
    const m = (machine: string, status: MachineResult['status'], extra: Partial<MachineResult> = {}): MachineResult => ({ machine, provider: 'docker', status, resources: [], durationMs: 0, ...extra });
    const failedResource = m('web', 'failed', {
      resources: [
        { id: 'file:/a', kind: 'file', name: '/a', status: 'ok', changes: [] },
        { id: 'command:make', kind: 'command', name: 'make', status: 'failed', changes: [], error: { name: 'Error', message: 'exit 2' } },
      ],
    });
    const failedMachine = m('db', 'failed', { error: { name: 'DockerError', message: 'image z cannot be pulled' } });
    expect(describeFailure('shop-test', [failedResource, m('cache', 'ok'), failedMachine], [])).toBe('shop-test did not come up: web: command make: exit 2; db: image z cannot be pulled');
    // A message that names its resource and machine already is not prefixed again.
    const named = m('web', 'failed', { resources: [{ id: 'command:make', kind: 'command', name: 'make', status: 'failed', changes: [], error: { name: 'Error', message: 'command make failed on machine web (exit 2)' } }] });
    expect(describeFailure('shop-test', [named], [])).toBe('shop-test did not come up: command make failed on machine web (exit 2)');
    expect(describeFailure('shop-test', [m('web', 'changed')], ['shop-dev: engine gone'])).toBe('shop-test did not come up: could not stop shop-dev: engine gone');
    expect(describeFailure('shop-test', [m('web', 'changed'), m('db', 'ok')], [])).toBeUndefined();
  });
});
