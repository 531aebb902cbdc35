import { describe, expect, it } from 'vitest';
import type { CommandResource, DirectoryResource, EnvResource, FileResource, GroupResource, LineResource, PackageResource, ServiceResource, UserResource } from '../../../../shared/profile.js';
import { commandKind } from '../../../../electron/engine/resources/command-resource.js';
import { directoryKind } from '../../../../electron/engine/resources/directory-resource.js';
import { envKind, formatEnvLine, parseEnvValue } from '../../../../electron/engine/resources/env-resource.js';
import { fileKind, sha256 } from '../../../../electron/engine/resources/file-resource.js';
import { groupKind } from '../../../../electron/engine/resources/group-resource.js';
import { lineKind } from '../../../../electron/engine/resources/line-resource.js';
import { packageKind, versionMatches } from '../../../../electron/engine/resources/package-resource.js';
import { serviceKind } from '../../../../electron/engine/resources/service-resource.js';
import { userKind } from '../../../../electron/engine/resources/user-resource.js';

const enc = (s: string | Buffer) => `b64:${Buffer.from(s).toString('base64')}`;
const fields = (c: { field: string }[]) => c.map((x) => x.field);

describe('file', () => {
  const spec: FileResource = { id: 'f', kind: 'file', name: '/etc/app.conf', content: 'a\nb\n', mode: '0640', owner: 'root', group: 'adm', state: 'present' };
  it('is in sync when hash, mode, owner and group match', () => {
    const actual = fileKind.parse(`type=file\nstat=640 0 root 4 adm 4\nsha256=${sha256('a\nb\n')}\n`, spec);
    expect(fileKind.diff(spec, actual)).toEqual([]);
  });
  it('shows a unified diff of the content and each attribute that differs', () => {
    const actual = fileKind.parse(`type=file\nstat=644 0 root 0 root 4\nsha256=abc\ncontent=${enc('a\nc\n')}\n`, spec);
    const changes = fileKind.diff(spec, actual);
    expect(fields(changes)).toEqual(['content', 'mode', 'group']);
    expect(changes[0]!.diff).toContain('-c\n+b\n');
    expect(changes[0]!.summary).toBe('content changes (+1 −1 lines)');
    expect(changes[1]!.summary).toBe('mode 0644 → 0640');
  });
  it('accepts numeric owners', () => {
    const actual = fileKind.parse(`type=file\nstat=640 1000 UNKNOWN 4 adm 4\nsha256=${sha256('a\nb\n')}\n`, spec);
    expect(fileKind.diff({ ...spec, owner: '1000' }, actual)).toEqual([]);
  });
  it('creates an absent file, and removes a present one when state is absent', () => {
    expect(fields(fileKind.diff(spec, { type: 'absent' }))).toEqual(['state', 'content', 'mode', 'owner', 'group']);
    expect(fileKind.diff({ ...spec, state: 'absent' }, { type: 'absent' })).toEqual([]);
    expect(fileKind.diff({ ...spec, state: 'absent' }, { type: 'file' })[0]!.summary).toBe('remove file /etc/app.conf');
  });
  it('refuses to replace a directory', () => {
    expect(fileKind.diff(spec, { type: 'directory' })[0]!.summary).toMatch(/is a directory/);
  });
  it('never puts content in the script, only on stdin', () => {
    const step = fileKind.apply({ ...spec, content: 'SECRET=1\n' }, { type: 'absent' }, fileKind.diff(spec, { type: 'absent' }));
    expect(step.script).not.toContain('SECRET');
    expect(step.stdin).toBe('SECRET=1\n');
  });
});

describe('directory', () => {
  const spec: DirectoryResource = { id: 'd', kind: 'directory', name: '/srv/www', mode: '755', owner: 'www-data', state: 'present' };
  it('parses stat and diffs mode and owner', () => {
    const actual = directoryKind.parse('type=directory\nstat=700 0 root 0 root 4096\n', spec);
    expect(directoryKind.diff(spec, actual).map((c) => c.summary)).toEqual(['mode 0700 → 0755', 'owner root → www-data']);
  });
  it('removes only directories, and refuses to manage / as absent', () => {
    expect(directoryKind.diff({ ...spec, state: 'absent' }, { type: 'absent' })).toEqual([]);
    expect(() => directoryKind.apply({ ...spec, name: '/', state: 'absent' }, { type: 'directory' }, [])).toThrow(/root directory/);
  });
});

describe('line', () => {
  const spec: LineResource = { id: 'l', kind: 'line', name: '/etc/hosts', text: '10.0.0.1 db', state: 'present' };
  it('appends when the line is missing, creates the file when it is missing', () => {
    expect(lineKind.diff(spec, lineKind.parse('exists=1\nexact=0\nfirst=0\nhits=0\n', spec))[0]!.summary).toBe('append "10.0.0.1 db" to /etc/hosts');
    expect(lineKind.diff(spec, lineKind.parse('exists=0\n', spec))[0]!.summary).toMatch(/^create \/etc\/hosts/);
    expect(lineKind.diff(spec, lineKind.parse('exists=1\nexact=1\nfirst=0\nhits=1\n', spec))).toEqual([]);
  });
  it('replaces the first matching line, and is in sync when it already equals text', () => {
    const m = { ...spec, match: '^10\\.0\\.0\\.1 ' };
    const old = lineKind.parse('exists=1\nexact=0\nfirst=3\nhits=1\nfirsttext=10.0.0.1 old\n', m);
    expect(lineKind.diff(m, old)[0]!.summary).toBe('replace line 3 of /etc/hosts: "10.0.0.1 old" → "10.0.0.1 db"');
    const same = lineKind.parse('exists=1\nexact=1\nfirst=3\nhits=1\nfirsttext=10.0.0.1 db\n', m);
    expect(lineKind.diff(m, same)).toEqual([]);
  });
  it('removes lines when absent', () => {
    expect(lineKind.diff({ ...spec, state: 'absent' }, lineKind.parse('exists=1\nexact=2\nfirst=0\nhits=2\n', spec))[0]!.summary).toBe('remove 2 lines from /etc/hosts');
    expect(lineKind.diff({ ...spec, state: 'absent' }, lineKind.parse('exists=0\n', spec))).toEqual([]);
  });
  it('sends text and match on stdin and refuses multi-line text', () => {
    const step = lineKind.apply({ ...spec, match: 'x' }, { fileExists: true, exact: 0, firstMatch: 0, removable: 0 }, []);
    expect(step.stdin).toBe('10.0.0.1 db\nx\n');
    expect(() => lineKind.probe({ ...spec, text: 'a\nb' })).toThrow(/single line/);
  });
});

describe('user and group', () => {
  const user: UserResource = { id: 'u', kind: 'user', name: 'shop', uid: 1500, groups: ['www-data', 'adm'], shell: '/bin/bash', system: false, state: 'present' };
  it('parses a passwd entry and the group list', () => {
    const a = userKind.parse('passwd=shop:x:1500:1500::/home/shop:/bin/sh\ngroups=shop www-data\n', user);
    expect(a).toEqual({ exists: true, uid: 1500, gid: 1500, home: '/home/shop', shell: '/bin/sh', groups: ['shop', 'www-data'] });
    expect(userKind.diff(user, a).map((c) => c.summary)).toEqual(['shell /bin/sh → /bin/bash', 'add to group adm']);
  });
  it('creates a missing user in one change and removes one that should be absent', () => {
    const missing = userKind.parse('passwd=\n', user);
    expect(missing).toEqual({ exists: false });
    expect(userKind.diff(user, missing)[0]!.summary).toBe('create user shop (uid 1500; groups www-data, adm)');
    expect(userKind.diff({ ...user, state: 'absent' }, { exists: true })[0]!.field).toBe('state');
    expect(userKind.apply(user, missing, []).script).toContain("useradd -u 1500 -s '/bin/bash' -m -G 'www-data,adm' 'shop'");
  });
  it('refuses names that are not names', () => {
    expect(() => userKind.probe({ ...user, name: "x'; rm -rf /" })).toThrow(/characters/);
    expect(() => userKind.probe({ ...user, name: '1000' })).toThrow(/all digits/);
  });
  const group: GroupResource = { id: 'g', kind: 'group', name: 'app', gid: 2000, system: false, state: 'present' };
  it('diffs group existence and gid', () => {
    expect(groupKind.parse('group=app:x:2001:shop,web\n', group)).toEqual({ exists: true, gid: 2001, members: ['shop', 'web'] });
    expect(groupKind.diff(group, { exists: true, gid: 2001 })[0]!.summary).toBe('gid 2001 → 2000');
    expect(groupKind.diff(group, { exists: false })[0]!.summary).toBe('create group app (gid 2000)');
    expect(groupKind.diff({ ...group, state: 'absent' }, { exists: false })).toEqual([]);
  });
});

describe('command', () => {
  const base: CommandResource = { id: 'c', kind: 'command', name: 'make build', env: {} };
  it('skips when creates exists, unless succeeds, or onlyif fails', () => {
    expect(commandKind.diff({ ...base, creates: '/x' }, commandKind.parse('creates=1\ndone=1\n', base))).toEqual([]);
    expect(commandKind.diff({ ...base, unless: 'true' }, commandKind.parse('unless=0\ndone=1\n', base))).toEqual([]);
    expect(commandKind.diff({ ...base, onlyif: 'false' }, commandKind.parse('onlyif=1\ndone=1\n', base))).toEqual([]);
    expect(commandKind.diff({ ...base, creates: '/x' }, commandKind.parse('creates=0\ndone=1\n', base))[0]!.summary).toBe('run `make build` (/x does not exist)');
  });
  it('says honestly that a command without a guard runs every time', () => {
    expect(commandKind.diff(base, commandKind.parse('done=1\n', base))[0]!.summary).toBe('run `make build` (no guard: runs on every apply)');
  });
  it('runs in cwd with env, and ends with the command\'s own exit code and output (no wrapper line hiding them)', () => {
    const step = commandKind.apply({ ...base, cwd: '/srv/app', env: { MODE: "it's" } }, {}, []);
    expect(step.script).toContain("cd '/srv/app' || _pl_fail");
    expect(step.script).toContain("export MODE='it'\\''s'");
    expect(step.script.trimEnd().split('\n').pop()).toBe("exec sh -c 'make build' </dev/null");
    expect(step.script).not.toContain('command failed');
  });
});

describe('env', () => {
  const spec: EnvResource = { id: 'e', kind: 'env', name: 'SHOP_ENV', value: 'dev', state: 'present' };
  it('reads quoted and exported definitions', () => {
    expect(parseEnvValue('SHOP_ENV="dev"', 'SHOP_ENV')).toBe('dev');
    expect(parseEnvValue('  export SHOP_ENV=dev ', 'SHOP_ENV')).toBe('dev');
    expect(envKind.diff(spec, envKind.parse('count=1\nline=SHOP_ENV="dev"\n', spec))).toEqual([]);
  });
  it('diffs missing, different, duplicated and unwanted values', () => {
    expect(envKind.diff(spec, envKind.parse('count=0\n', spec))[0]!.summary).toBe('set SHOP_ENV in /etc/environment');
    expect(envKind.diff(spec, { definitions: 1, value: 'prod' })[0]!.summary).toBe('SHOP_ENV: "prod" → "dev"');
    expect(envKind.diff(spec, { definitions: 2, value: 'dev' })[0]!.summary).toMatch(/defined 2 times/);
    expect(envKind.diff({ ...spec, state: 'absent' }, { definitions: 1, value: 'dev' })[0]!.summary).toBe('remove SHOP_ENV from /etc/environment');
  });
  it('quotes values with spaces and refuses ones /etc/environment cannot hold', () => {
    expect(formatEnvLine('A', 'x y')).toBe('A="x y"');
    expect(formatEnvLine('A', '/usr/bin:/bin')).toBe('A=/usr/bin:/bin');
    expect(() => formatEnvLine('A', 'a"b')).toThrow(/double quote/);
  });
});

describe('package', () => {
  const spec: PackageResource = { id: 'p', kind: 'package', name: 'nginx', version: '1.22.*', state: 'present' };
  it('matches exact versions and globs, with or without an epoch', () => {
    expect(versionMatches('1.22.1-9', '1.22.*')).toBe(true);
    expect(versionMatches('1:1.22.1-9', '1.22.*')).toBe(true);
    expect(versionMatches('1.24.0-1', '1.22.*')).toBe(false);
    expect(versionMatches('1.22.1-9', '1.22.1-9')).toBe(true);
    expect(versionMatches('1.22.1-9', '1.22.1')).toBe(false);
    expect(versionMatches('1.2x2', '1.2.2')).toBe(false);
  });
  it('parses dpkg status, ignoring packages removed with their config left', () => {
    const out = 'mgr=apt\ndpkg=deinstall ok config-files\t1.20.0-1\n';
    expect(packageKind.parse(out, spec)).toEqual({ manager: 'apt', installed: false });
    expect(packageKind.parse('mgr=apt\ndpkg=deinstall ok config-files\t1.20.0-1\ndpkg=install ok installed\t1.22.1-9\n', spec)).toEqual({ manager: 'apt', installed: true, version: '1.22.1-9' });
    expect(packageKind.parse('mgr=dnf\nrpm=(none):1.22.1-1.el9\n', spec)).toEqual({ manager: 'dnf', installed: true, version: '1.22.1-1.el9' });
    expect(packageKind.parse('mgr=apk\napk=1.22.1-r0\n', spec).version).toBe('1.22.1-r0');
    expect(() => packageKind.parse('', spec)).toThrow(/lacks "mgr"/);
  });
  it('diffs install, version and removal', () => {
    expect(packageKind.diff(spec, { manager: 'apt', installed: false })[0]!.summary).toBe('install nginx 1.22.*');
    expect(packageKind.diff(spec, { manager: 'apt', installed: true, version: '1.24.0-1' })[0]!.summary).toBe('nginx 1.24.0-1 → 1.22.*');
    expect(packageKind.diff(spec, { manager: 'apt', installed: true, version: '1.22.1-9' })).toEqual([]);
    expect(packageKind.diff({ ...spec, state: 'absent' }, { manager: 'apt', installed: true, version: '1.22.1-9' })[0]!.summary).toBe('remove nginx 1.22.1-9');
  });
  it('installs by name-version with dnf and name~prefix with apk', () => {
    expect(packageKind.apply(spec, { manager: 'dnf', installed: false }, []).script).toContain("dnf -y --setopt=install_weak_deps=False install 'nginx-1.22.*'");
    expect(packageKind.apply(spec, { manager: 'apk', installed: false }, []).script).toContain("apk add --no-cache 'nginx~1.22'");
  });
});

describe('service', () => {
  const spec: ServiceResource = { id: 's', kind: 'service', name: 'nginx', state: 'running', enabled: true };
  it('reads systemd, OpenRC and SysV states', () => {
    expect(serviceKind.parse('init=systemd\nload=loaded\nactive=active\nenabled=enabled\n', spec)).toEqual({ init: 'systemd', exists: true, running: true, enabled: true });
    expect(serviceKind.parse('init=systemd\nload=not-found\nactive=inactive\nenabled=\n', spec)).toEqual({ init: 'systemd', exists: false, running: false, enabled: false });
    expect(serviceKind.parse('init=openrc\nexists=1\nstatus=3\nenabled=1\n', spec)).toEqual({ init: 'openrc', exists: true, running: false, enabled: true });
    expect(serviceKind.parse('init=sysv\nexists=1\nstatus=4\npgrep=1\nenabled=0\n', spec)).toEqual({ init: 'sysv', exists: true, running: true, enabled: false });
    // A status of 3 says only that the pid file is gone: a process of the service's name decides.
    expect(serviceKind.parse('init=sysv\nexists=1\nstatus=3\npgrep=1\nenabled=0\n', spec)).toMatchObject({ running: true });
    expect(serviceKind.parse('init=sysv\nexists=1\nstatus=3\npgrep=0\nenabled=0\n', spec)).toMatchObject({ running: false });
    // Without pgrep on the machine, the script's status is all there is.
    expect(serviceKind.parse('init=sysv\nexists=1\nstatus=3\nenabled=0\n', spec)).toMatchObject({ running: false });
    expect(serviceKind.parse('init=sysv\nexists=1\nstatus=0\nenabled=0\n', spec)).toMatchObject({ running: true });
    // pgrep is asked only when the status is not 0, the one case its answer is read.
    expect(serviceKind.probe(spec)).toContain('if [ "$_pl_st" -ne 0 ] && command -v pgrep');
    expect(serviceKind.parse('init=sysv\nexists=0\n', spec)).toEqual({ init: 'sysv', exists: false, running: false, enabled: false });
  });
  it('diffs running and enabled, enabling before starting', () => {
    const a = { init: 'sysv' as const, exists: true, running: false, enabled: false };
    const changes = serviceKind.diff(spec, a);
    expect(changes.map((c) => c.summary)).toEqual(['enable nginx at boot', 'start nginx']);
    const script = serviceKind.apply(spec, a, changes).script;
    expect(script.indexOf('update-rc.d')).toBeLessThan(script.indexOf("service 'nginx' start"));
    expect(serviceKind.diff({ ...spec, enabled: undefined }, { ...a, running: true })).toEqual([]);
  });
  describe('with ready:', () => {
    const ready: ServiceResource = { id: 's', kind: 'service', name: 'postgresql', state: 'running', ready: 'pg_isready -q' };
    const running = { init: 'sysv' as const, exists: true, running: true, enabled: false };
    it('probes the check only when there is one, quoted as one argument of sh -c', () => {
      expect(serviceKind.probe(spec)).not.toContain('ready=');
      const probe = serviceKind.probe(ready);
      // Started before the init system is asked, and its status read after (both may be slow start-ups).
      const started = probe.indexOf("sh -c 'pg_isready -q' </dev/null >/dev/null 2>&1 & _pl_rp=$!");
      expect(started).toBeGreaterThan(-1);
      expect(started).toBeLessThan(probe.indexOf('/etc/init.d/$_pl_s" status'));
      expect(probe.indexOf('if wait "$_pl_rp"; then echo ready=1; else echo ready=0; fi')).toBeGreaterThan(probe.indexOf('echo enabled=$_pl_en'));
      expect(serviceKind.parse('init=sysv\nexists=1\nstatus=0\nenabled=0\nready=0\n', ready)).toEqual({ ...running, ready: false });
      expect(serviceKind.parse('init=systemd\nload=loaded\nactive=active\nenabled=enabled\nready=1\n', ready)).toEqual({ init: 'systemd', exists: true, running: true, enabled: true, ready: true });
    });
    it('waits for a running service that does not pass it, and asks nothing of one that does or of a stopped one', () => {
      expect(serviceKind.diff(ready, { ...running, ready: false }).map((c) => [c.field, c.summary])).toEqual([['ready', 'wait until postgresql is ready (pg_isready -q)']]);
      expect(serviceKind.diff(ready, { ...running, ready: true })).toEqual([]);
      expect(serviceKind.diff({ ...ready, state: 'stopped' }, { ...running, running: false, ready: false })).toEqual([]);
      // Starting it is the one change: the start waits for the check itself.
      expect(serviceKind.diff(ready, { ...running, running: false, ready: false }).map((c) => c.field)).toEqual(['state']);
    });
    it('starts in the background and waits for the check, failing when the start script ends non-zero first', () => {
      const a = { ...running, running: false, ready: false };
      const script = serviceKind.apply(ready, a, serviceKind.diff(ready, a)).script;
      expect(script).toMatch(/\) <\/dev\/null >\/dev\/null 2>&1 &\n_pl_end=\n_pl_i=0\nuntil sh -c 'pg_isready -q'/);
      expect(script).toContain("_pl_fail 'service postgresql: start failed'");
      // A start script that ends with 0 while the service does not run: 5 s, then a clear failure.
      expect(script).toContain("'/etc/init.d/postgresql' status >/dev/null 2>&1");
      expect(script).toContain("-ge 5 ]; then tail -n 20");
      expect(script).toContain("_pl_fail 'service postgresql: its start command returned 0, but postgresql is not running (ready: pg_isready -q never passed)'");
      expect(script).toContain("not ready after 2 minutes (ready: pg_isready -q)");
      const wait = serviceKind.apply(ready, { ...running, ready: false }, serviceKind.diff(ready, { ...running, ready: false })).script;
      expect(wait).toContain("until sh -c 'pg_isready -q'");
      expect(wait).not.toContain(' start');
      // Stopping does not wait for anything.
      const stop = serviceKind.apply({ ...ready, state: 'stopped' }, running, serviceKind.diff({ ...ready, state: 'stopped' }, running)).script;
      expect(stop).not.toContain('pg_isready');
    });
  });
});
