// Engines without an init binary (Podman without catatonit): what the container is created with instead.
import { describe, expect, it } from 'vitest';
import { createOptions, isMissingInit } from '../../../../../electron/engine/backends/docker/container.js';
import type { Profile } from '../../../../../shared/profile.js';

const profile = { name: 'shop', file: '/p/shop.yaml', role: 'dev', vars: {}, machines: [], files: [] } as Profile;
const spec = { image: 'debian:bookworm', ports: [], env: {}, volumes: [], privileged: false };
const desired = (command?: string[]) => ({ profile, machine: 'web', spec: { ...spec, ...(command ? { command } : {}) }, hash: 'h', parts: 'p' });

describe('creating a container with or without an init', () => {
  it('uses the engine\'s init and sleep by default', () => {
    const o = createOptions(desired());
    expect(o.HostConfig?.Init).toBe(true);
    expect([o.Entrypoint, o.Cmd]).toEqual([['sleep'], ['infinity']]);
  });

  it('without an init, keeps the container alive with a shell that exits on SIGTERM', () => {
    const o = createOptions(desired(), { init: false });
    expect(o.HostConfig?.Init).toBe(false);
    expect(o.Entrypoint).toEqual(['sh', '-c', expect.stringContaining('trap "exit 0" TERM')]);
    expect(o.Cmd).toEqual([]);
  });

  it('keeps a profile\'s own command either way', () => {
    expect(createOptions(desired(['nginx', '-g', 'daemon off;']), { init: false }).Cmd).toEqual(['nginx', '-g', 'daemon off;']);
  });

  it('recognises Podman\'s "no catatonit" answer, and only that', () => {
    expect(isMissingInit('container create: container-init binary not found on the host: stat /usr/libexec/podman/catatonit: no such file or directory')).toBe(true);
    expect(isMissingInit('No such image: debian:bookworm')).toBe(false);
  });
});
