// The vm: block of a profile: defaults, paths relative to the profile file, and located errors.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../../electron/engine/profile/index.js';
import { machineProvider } from '../../../../../shared/profile.js';
import { folder, profileError } from '../../profile/fixture.js';

const SUM = 'a'.repeat(128);

async function load(text: string) {
  const dir = await folder({ 'p.yaml': text });
  return { dir, p: () => loadProfile(join(dir, 'p.yaml'), { env: {} }) };
}

describe('a vm: machine', () => {
  it('loads with defaults, sizes in MiB and bytes, and paths made absolute against the profile file', async () => {
    const { dir, p } = await load(
      `name: x\nmachines:\n  web:\n    vm:\n      image: ./img/base.qcow2\n      kernel: ./img/vmlinuz\n      append: root=/dev/vda\n      memory: 1.5G\n      disk: 10G\n      ports: ["8080:80"]\n      folders: ["./src:/srv/src"]\n`,
    );
    const m = (await p()).machines[0]!;
    expect(machineProvider(m)).toBe('vm');
    expect(m.vm).toEqual({
      image: join(dir, 'img/base.qcow2'),
      kernel: join(dir, 'img/vmlinuz'),
      append: 'root=/dev/vda',
      arch: 'x86_64',
      cpus: 2,
      memoryMiB: 1536,
      diskBytes: 10 * 2 ** 30,
      ports: ['8080:80'],
      folders: [`${join(dir, 'src')}:/srv/src`],
      bootTimeoutMs: 900_000,
    });
  });

  it('keeps a URL as it is, with its checksum in lower case', async () => {
    const { p } = await load(`name: x\nmachines:\n  web:\n    vm:\n      image: https://example.org/debian.qcow2\n      sha512: ${SUM.toUpperCase()}\n`);
    expect((await p()).machines[0]!.vm).toMatchObject({ image: 'https://example.org/debian.qcow2', sha512: SUM });
  });

  it('refuses a URL without a checksum, at the image line', async () => {
    const { p } = await load(`name: x\nmachines:\n  web:\n    vm:\n      cpus: 1\n      image: https://example.org/debian.qcow2\n`);
    const err = await profileError(p());
    expect(err.message).toMatch(/p\.yaml:6:14: machines\.web\.vm\.image: an image URL needs its checksum/);
  });

  it('refuses a bad size, a short checksum, and a port range, each at its line', async () => {
    const { p } = await load(`name: x\nmachines:\n  web:\n    vm:\n      image: ./a.qcow2\n      memory: lots\n      sha256: abc\n      ports: ["8080-8081:80"]\n`);
    const err = await profileError(p());
    expect(err.message).toMatch(/p\.yaml:6:\d+: machines\.web\.vm\.memory: expected a size such as "1G"/);
    expect(err.message).toMatch(/p\.yaml:7:\d+: machines\.web\.vm\.sha256: expected a sha256 checksum \(64 hex digits\)/);
    expect(err.message).toMatch(/p\.yaml:8:\d+: .*expected a port such as "127\.0\.0\.1:8080:80"/);
  });

  it('refuses a machine with both vm: and docker:, and initrd: without kernel:', async () => {
    const both = await load(`name: x\nmachines:\n  web:\n    vm: { image: ./a.qcow2 }\n    docker: { image: debian:bookworm }\n`);
    expect((await profileError(both.p())).message).toMatch(/p\.yaml:3:3: machines\.web: has both docker: and vm:/);
    const noKernel = await load(`name: x\nmachines:\n  web:\n    vm:\n      image: ./a.qcow2\n      initrd: ./initrd\n`);
    expect((await profileError(noKernel.p())).message).toMatch(/p\.yaml:6:\d+: machines\.web\.vm: initrd: is for direct kernel boot: expected kernel: too/);
  });
});

describe('the shop/vms example', () => {
  it('runs four VMs of Debian\'s cloud image, pinned by URL and sha512, on distinct 127.0.0.1 ports', async () => {
    const p = await loadProfile(join(process.cwd(), 'profiles/shop/vms.yaml'), { env: {} });
    expect(p.machines.map((m) => m.name)).toEqual(['web', 'app', 'db', 'cache']);
    const ports = p.machines.flatMap((m) => {
      expect(machineProvider(m)).toBe('vm');
      expect(m.vm!.image).toMatch(/^https:\/\/cloud\.debian\.org\/images\/cloud\/bookworm\/\d{8}-\d{4}\/debian-12-genericcloud-amd64-\d{8}-\d{4}\.qcow2$/);
      expect(m.vm!.sha512).toMatch(/^[0-9a-f]{128}$/);
      return m.vm!.ports.map((port) => {
        expect(port).toMatch(/^127\.0\.0\.1:/);
        return port.split(':')[1];
      });
    });
    expect(new Set(ports).size).toBe(4);
  });
});
