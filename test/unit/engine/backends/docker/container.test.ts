// A machine's container as the engine is asked to create it: a container from a cached state whose
// services ran removes their saved pid files, starts them as it starts, and marks when that is done;
// the profile's own command wins.
import { describe, expect, it } from 'vitest';
import { LABEL_STARTS_SERVICES, STALE_PID_FILES, VOLUMES_PENDING, canStartServices, createOptions, keepsData, type DesiredContainer } from '../../../../../electron/engine/backends/docker/container.js';
import { startServicesScript, stopServicesScript } from '../../../../../electron/engine/resources/service-resource.js';
import type { DockerMachineSpec, Profile } from '../../../../../shared/profile.js';

const profile = { name: 'shop', role: 'dev', vars: {}, machines: [], file: '/p/shop.yaml', files: [] } as unknown as Profile;
const spec = (over: Partial<DockerMachineSpec> = {}): DockerMachineSpec => ({ image: 'debian:bookworm', ports: [], env: {}, volumes: [], privileged: false, ...over });
const desired = (over: Partial<DesiredContainer> = {}): DesiredContainer => ({ profile, machine: 'db', spec: spec(), hash: 'h', parts: 'p', ...over });
const starts = { names: ['postgresql', 'cron'], script: startServicesScript([{ name: 'postgresql' }, { name: 'cron' }]) };

describe('container create options', () => {
  it('keep the container alive and nothing more without services to start', () => {
    const o = createOptions(desired());
    expect([o.Entrypoint, o.Cmd]).toEqual([['sleep'], ['infinity']]);
    expect(o.Labels?.[LABEL_STARTS_SERVICES]).toBeUndefined();
    expect(o.HostConfig?.Tmpfs).toBeUndefined();
  });

  it('start no services where the container runs as another user than root (converge starts them as root)', () => {
    for (const user of ['node', '1000:1000']) {
      const o = createOptions(desired({ image: 'prodlike-cache:abc', spec: spec({ user }), startServices: starts }));
      expect([o.Entrypoint, o.Cmd, o.User]).toEqual([['sleep'], ['infinity'], user]);
      expect(o.HostConfig?.Tmpfs).toBeUndefined();
      expect(o.Labels?.[LABEL_STARTS_SERVICES]).toBeUndefined();
    }
    for (const user of ['root', '0', '0:0']) {
      expect(createOptions(desired({ image: 'prodlike-cache:abc', spec: spec({ user }), startServices: starts })).HostConfig?.Tmpfs).toBeDefined();
    }
  });

  it("start no services where the image's USER is not root and the profile names no user: the profile's user wins", () => {
    expect(canStartServices(spec(), 'nobody')).toBe(false);
    expect(canStartServices(spec(), '1000:1000')).toBe(false);
    expect(canStartServices(spec(), '')).toBe(true);
    expect(canStartServices(spec(), '0')).toBe(true);
    expect(canStartServices(spec({ user: 'root' }), 'nobody')).toBe(true);
    expect(canStartServices(spec({ user: 'nobody' }), 'root')).toBe(false);
    expect(canStartServices(spec({ command: ['x'] }), '')).toBe(false);
  });

  it("remove the saved state's pid files, start the services in order, then mark it on a fresh tmpfs, then stay alive", () => {
    const o = createOptions(desired({ image: 'prodlike-cache:abc', startServices: starts }));
    expect(o.Image).toBe('prodlike-cache:abc');
    expect(o.Entrypoint?.slice(0, 2)).toEqual(['sh', '-c']);
    const script = (o.Entrypoint as string[])[2]!;
    expect(script.startsWith(`${STALE_PID_FILES}\n`)).toBe(true);
    expect(script.indexOf("service 'postgresql' start")).toBeLessThan(script.indexOf("service 'cron' start"));
    expect(script.indexOf("service 'cron' start")).toBeLessThan(script.indexOf(': > /run/prodlike/started'));
    expect(script.trimEnd().endsWith('exec sleep infinity')).toBe(true);
    expect(o.Cmd).toEqual([]);
    expect(o.HostConfig?.Tmpfs).toEqual({ '/run/prodlike': 'mode=0755' });
    expect(o.Labels?.[LABEL_STARTS_SERVICES]).toBe('postgresql,cron');
    // Still the machine's container: its labels and config hash are the same.
    expect(o.Labels?.['prodlike.config-hash']).toBe('h');
  });

  it("leave a profile's own command alone", () => {
    const o = createOptions(desired({ spec: spec({ command: ['/sbin/init'] }), startServices: starts }));
    expect(o.Cmd).toEqual(['/sbin/init']);
    expect(o.Entrypoint).toBeUndefined();
    expect(o.Labels?.[LABEL_STARTS_SERVICES]).toBeUndefined();
  });
});

describe('a container made before its named volumes are mounted', () => {
  const vols = spec({ volumes: ['db-data:/var/lib/postgresql', '/srv/src:/src:ro', '/tmp/cache'] });
  it('has its bind mounts and anonymous volumes but not its named volumes', () => {
    const o = createOptions(desired({ spec: vols, withoutNamedVolumes: true, parts: 'image=a volumes=b ports=c' }));
    expect(o.HostConfig?.Binds).toEqual(['/srv/src:/src:ro']);
    expect(o.Volumes).toEqual({ '/tmp/cache': {} });
    // Not the machine's config: a later up recreates a container left like this, and says why.
    expect(o.Labels?.['prodlike.config-hash']).toBe(`h${VOLUMES_PENDING}`);
    expect(o.Labels?.['prodlike.config-parts']).toBe('image=a volumes=pending ports=c');
  });

  it('is the machine itself otherwise', () => {
    const o = createOptions(desired({ spec: vols, parts: 'image=a volumes=b' }));
    expect(o.HostConfig?.Binds).toEqual(['shop_db-data:/var/lib/postgresql', '/srv/src:/src:ro']);
    expect(o.Labels?.['prodlike.config-hash']).toBe('h');
    expect(o.Labels?.['prodlike.config-parts']).toBe('image=a volumes=b');
  });
});

describe('the start script of services', () => {
  it('starts each through OpenRC, service(8) or its init script, and does not stop at a failure', () => {
    const s = startServicesScript([{ name: 'nginx' }]);
    expect(s).toContain("rc-service 'nginx' start");
    expect(s).toContain("then service 'nginx' start");
    expect(s).toContain("'/etc/init.d/nginx' start");
    expect(s).toMatch(/\nelse echo 'prodlike: nginx did not start' >&2; fi/);
  });

  it('refuses a name that is not a plain service name', () => {
    expect(() => startServicesScript([{ name: 'x; rm -rf /' }])).toThrow(/service name/);
  });
});

describe('the stop script of services', () => {
  it('stops each, in the order given, through systemd, OpenRC, service(8) or its init script, and does not stop at a failure', () => {
    const s = stopServicesScript(['cron', 'postgresql']);
    expect(s.indexOf("'cron'")).toBeLessThan(s.indexOf("'postgresql'"));
    expect(s).toContain("systemctl stop 'postgresql'");
    expect(s).toContain("rc-service 'postgresql' stop");
    expect(s).toContain("then service 'postgresql' stop");
    expect(s).toContain("'/etc/init.d/postgresql' stop");
    expect(s).toMatch(/\|\| echo 'prodlike: postgresql did not stop' >&2/);
    expect(s).not.toMatch(/ start\b/);
  });

  it('refuses a name that is not a plain service name', () => {
    expect(() => stopServicesScript(['x; rm -rf /'])).toThrow(/service name/);
  });
});

describe('what outlives a removed container', () => {
  it('is a bind mount, or a named volume destroy keeps', () => {
    expect(keepsData(spec({ volumes: ['db-data:/var/lib/postgresql'] }), false)).toBe(true);
    expect(keepsData(spec({ volumes: ['db-data:/var/lib/postgresql'] }), true)).toBe(false);
    expect(keepsData(spec({ volumes: ['/srv/host:/srv/data'] }), true)).toBe(true);
  });

  it('is nothing for a machine with no volumes or only anonymous ones', () => {
    expect(keepsData(spec(), false)).toBe(false);
    expect(keepsData(spec({ volumes: ['/var/lib/postgresql'] }), false)).toBe(false);
  });
});
