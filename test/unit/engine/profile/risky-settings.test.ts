// Which Docker settings hand this computer to a profile, and what an allow is bound to.
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DockerMachineSpec, MachineSpec } from '../../../../shared/profile.js';
import { riskHash, riskySettings } from '../../../../electron/engine/profile/risky-settings.js';
import { projectRoot } from '../../../../electron/engine/profile/project.js';

const repo = mkdtempSync(path.join(tmpdir(), 'pl-risk-'));
mkdirSync(path.join(repo, '.git'));
mkdirSync(path.join(repo, 'profiles', 'shop'), { recursive: true });
const file = path.join(repo, 'profiles', 'shop', 'dev.yaml');
const HOME = '/home/dev';
const machine = (docker: Partial<DockerMachineSpec>, name = 'web'): MachineSpec => ({ name, docker: { image: 'debian:bookworm', ports: [], env: {}, volumes: [], privileged: false, ...docker }, resources: [] });
const risky = (...machines: MachineSpec[]) => riskySettings({ file, machines }, HOME).map((r) => `${r.machine}: ${r.setting} — ${r.why}`);

describe('settings that hand this computer over', () => {
  it('an ordinary profile has none: named volumes, bind mounts inside the project, a build context inside it', () => {
    expect(risky(machine({ volumes: ['data:/srv/data', `${repo}/site:/srv/www:ro`], build: { context: path.join(repo, 'web'), args: {} } }))).toEqual([]);
  });
  it('privileged', () => {
    expect(risky(machine({ privileged: true }))).toEqual(['web: privileged: true — a privileged container can do anything on this computer']);
  });
  it('bind mounts of /, of the Docker or Podman socket, of ~/.ssh or the home folder, and outside the project', () => {
    const out = risky(machine({ volumes: ['/:/host', '/var/run/docker.sock:/var/run/docker.sock', '/run/podman/podman.sock:/s', `${HOME}/.ssh:/root/.ssh:ro`, `${HOME}:/h`, '/etc:/host-etc', `${repo}/../elsewhere:/x`] }));
    expect(out).toEqual([
      'web: volume /:/host — the whole file system of this computer',
      'web: volume /var/run/docker.sock:/var/run/docker.sock — the container engine itself, which is root on this computer',
      'web: volume /run/podman/podman.sock:/s — the container engine itself, which is root on this computer',
      `web: volume ${HOME}/.ssh:/root/.ssh:ro — your SSH keys or home folder`,
      `web: volume ${HOME}:/h — your SSH keys or home folder`,
      `web: volume /etc:/host-etc — a folder outside the project (${repo})`,
      `web: volume ${repo}/../elsewhere:/x — a folder outside the project (${repo})`,
    ]);
  });
  it('a symlink inside the project that leads out is judged by where it leads (the kernel follows it)', () => {
    symlinkSync('/', path.join(repo, 'host'));
    symlinkSync('/var/run/docker.sock', path.join(repo, 'sock'));
    symlinkSync('/tmp', path.join(repo, 'ctx'));
    expect(risky(machine({ volumes: [`${repo}/host:/host`, `${repo}/sock:/s`], build: { context: path.join(repo, 'ctx'), args: {} } }))).toEqual([
      `web: volume ${repo}/host:/host — the whole file system of this computer`,
      `web: volume ${repo}/sock:/s — the container engine itself, which is root on this computer`,
      `web: build context ${path.join(repo, 'ctx')} — a folder outside the project (${repo}) is sent to the engine`,
    ]);
  });
  it('a build context outside the project', () => {
    expect(risky(machine({ build: { context: '/tmp', args: {} } }))).toEqual([`web: build context /tmp — a folder outside the project (${repo}) is sent to the engine`]);
  });
  it('the project is the repository; outside one, the folder holding profiles/', () => {
    expect(projectRoot(file)).toBe(repo);
    const bare = mkdtempSync(path.join(tmpdir(), 'pl-bare-'));
    expect(projectRoot(path.join(bare, 'profiles', 'x.yaml'))).toBe(bare);
    expect(projectRoot(path.join(bare, 'x.yaml'))).toBe(bare);
  });
  it('an allow is bound to exactly these settings: order does not matter, any change does', () => {
    const a = riskySettings({ file, machines: [machine({ privileged: true }), machine({ volumes: ['/:/host'] }, 'db')] }, HOME);
    const b = riskySettings({ file, machines: [machine({ volumes: ['/:/host'] }, 'db'), machine({ privileged: true })] }, HOME);
    expect(riskHash(a)).toBe(riskHash(b));
    const c = riskySettings({ file, machines: [machine({ privileged: true }), machine({ volumes: ['/:/hostfs'] }, 'db')] }, HOME);
    expect(riskHash(c)).not.toBe(riskHash(a));
    expect(riskHash(a.slice(0, 1))).not.toBe(riskHash(a));
  });
});
