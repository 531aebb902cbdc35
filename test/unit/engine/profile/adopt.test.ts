import { describe, expect, it } from 'vitest';
import type { ResourceSpec } from '../../../../shared/profile.js';
import { decideAdopt, setResourceKeys } from '../../../../electron/engine/profile/adopt.js';

const PROFILE = `# The shop, locally
name: shop-dev
machines:
  web:
    docker: { image: debian:bookworm }   # same as production
    resources:
      # the web server
      - package: nginx
        version: "1.22.*"   # keep in step with web-1
      - file: /etc/motd
        content: |
          hello
        mode: "0644"
      - package: curl
`;

const at = (line: number, col = 9) => ({ line, col, where: 'test' });

describe('adopting a value into the profile YAML', () => {
  it("sets a package's pin and keeps every comment, the order and the other values' styles", () => {
    const out = setResourceKeys(PROFILE, at(8), 'package', { version: '1.22.1-9' });
    expect(out).toBe(PROFILE.replace('version: "1.22.*"', 'version: "1.22.1-9"'));
  });

  it('adds a pin to a package that had none, after its name', () => {
    const out = setResourceKeys(PROFILE, at(14), 'package', { version: '7.88.1-10' });
    expect(out).toBe(PROFILE.replace('      - package: curl\n', '      - package: curl\n        version: "7.88.1-10"\n'));
  });

  it("puts a file's multi-line content in a block literal, and escapes ${", () => {
    const out = setResourceKeys(PROFILE, at(10), 'file', { content: 'hello\nfrom $${HOST}\n', mode: '0600' });
    expect(out).toContain('      - file: /etc/motd\n        content: |\n          hello\n          from $${HOST}\n        mode: "0600"\n');
    expect(out.startsWith('# The shop, locally\n')).toBe(true);
    expect(out).toContain('# keep in step with web-1');
  });

  it('turns a one-line content into a block, its comment onto the header, and leaves the file parseable', () => {
    const text = 'machines:\n  m:\n    resources:\n      - file: /a\n        content: "x"   # short\n      - file: /b\n';
    const out = setResourceKeys(text, at(4), 'file', { content: 'one\n  two\n\n' });
    expect(out).toBe('machines:\n  m:\n    resources:\n      - file: /a\n        content: |+   # short\n          one\n            two\n\n      - file: /b\n');
  });

  it('refuses when the resource is no longer where the profile had it', () => {
    expect(() => setResourceKeys(PROFILE, at(9), 'package', { version: '1' })).toThrow(/no longer where/);
    expect(() => setResourceKeys(PROFILE, at(10), 'package', { version: '1' })).toThrow(/no longer where/);
  });
});

describe('what adopting takes from the machine', () => {
  const file = (over: Partial<Extract<ResourceSpec, { kind: 'file' }>> = {}) => ({ id: 'file:/etc/motd', kind: 'file', name: '/etc/motd', state: 'present', content: 'hello\n', mode: '0644', ...over }) as ResourceSpec;

  it("takes a file's content and mode, escaping interpolation", () => {
    const d = decideAdopt(file(), { type: 'file', content: 'cost: ${price}\n', mode: '0600', owner: 'root' }, 'w');
    expect(d.set).toEqual({ content: 'cost: $${price}\n', mode: '0600' });
    expect(d.summary).toBe("take /etc/motd's content (1 line), mode 0600 from the machine into the profile");
  });

  it('writes a src: file raw, not the profile', () => {
    const d = decideAdopt(file({ src: '/p/files/motd' }), { type: 'file', content: 'x ${y}\n', mode: '0644' }, 'w');
    expect(d.set).toEqual({});
    expect(d.srcContent).toBe('x ${y}\n');
  });

  it('pins the installed version of a package', () => {
    const pkg = { id: 'package:nginx', kind: 'package', name: 'nginx', state: 'present', version: '1.22.*' } as ResourceSpec;
    expect(decideAdopt(pkg, { installed: true, version: '1.22.1-9' }, 'w').set).toEqual({ version: '1.22.1-9' });
    expect(() => decideAdopt(pkg, { installed: false }, 'w')).toThrow(/not installed/);
  });

  it('refuses what it cannot take: a missing file, a binary one, other kinds', () => {
    expect(() => decideAdopt(file(), { type: 'absent' }, 'w')).toThrow(/no file/);
    expect(() => decideAdopt(file(), { type: 'file', binary: true, sha256: 'ab' }, 'w')).toThrow(/binary/);
    expect(() => decideAdopt({ id: 'user:x', kind: 'user', name: 'x' } as ResourceSpec, {}, 'w')).toThrow(/file and package/);
  });
});
