import { describe, expect, it } from 'vitest';
import type { PackageResource, ServiceResource } from '../../../shared/profile.js';
import { planApplySteps, probeAll, kindOf } from '../../../electron/engine/resources/index.js';
import { startServicesScript, stopServicesScript } from '../../../electron/engine/resources/service-resource.js';
import { useContainer } from '../../support/docker-cli-transport.js';
import { converge, probeOne } from './converge.js';
import { initScriptText } from '../../support/init-script.js';

const { t, sh } = useContainer();

const pkg = (name: string, extra: Partial<PackageResource> = {}): PackageResource => ({ id: `package:${name}`, kind: 'package', name, state: 'present', ...extra });

describe('package (apt)', () => {
  it('installs several packages in one apt-get call on a fresh container, one with a version glob', async () => {
    expect(sh('ls /var/lib/apt/lists | grep -c _Packages || true')).toBe('0');
    const specs = [pkg('jq'), pkg('tree', { version: '2.*' })];
    const probed = await probeAll(t, specs);
    const pending = specs.map((spec) => ({ spec, actual: probed.get(spec.id)!.actual, changes: kindOf(spec).diff(spec as never, probed.get(spec.id)!.actual as never) }));
    expect(pending.map((p) => p.changes[0]!.summary)).toEqual(['install jq', 'install tree 2.*']);
    const steps = planApplySteps(pending);
    expect(steps).toHaveLength(1);
    const started = Date.now();
    const res = await t.exec(steps[0]!.step.script);
    expect(res.code, res.stderr).toBe(0);
    console.log(`apt-get update + install of jq and tree: ${Date.now() - started} ms`);
    expect(sh('jq --version')).toMatch(/^jq-1\./);
    expect(sh("dpkg-query -W -f='${Version}' tree")).toMatch(/^2\./);
    for (const spec of specs) expect((await probeOne(t, spec)).changes).toEqual([]);
  });

  it('reports a version that does not match the pin, and fails loudly when no version matches', async () => {
    const wrong = pkg('tree', { version: '1.8.*' });
    const { changes } = await probeOne(t, wrong);
    expect(changes[0]!.summary).toMatch(/^tree 2\..* → 1\.8\.\*$/);
    const step = kindOf(wrong).apply(wrong, (await probeOne(t, wrong)).actual as never, changes);
    const res = await t.exec(step.script);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split('\n').pop()).toBe('prodlike: package tree: no version matching 1.8.* is available (see apt-cache madison tree)');
  });

  it('fails loudly naming a package that does not exist', async () => {
    const spec = pkg('no-such-package-prodlike');
    const { actual, changes } = await probeOne(t, spec);
    const step = kindOf(spec).apply(spec, actual as never, changes);
    const res = await t.exec(step.script);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split('\n').pop()).toMatch(/^prodlike: package no-such-package-prodlike: apt-get install failed: E: Unable to locate package/);
  });

  it('removes a package', async () => {
    await converge(t, pkg('jq', { state: 'absent' }));
    expect(sh('command -v jq || echo none')).toBe('none');
  });
});

describe('service (SysV init scripts, as in containers without systemd)', () => {
  const svc = (name: string, extra: Partial<ServiceResource> = {}): ServiceResource => ({ id: `service:${name}`, kind: 'service', name, state: 'running', ...extra });

  it('starts, stops, enables and disables a service from its init script', async () => {
    // A minimal LSB init script whose daemon keeps stdout open, like careless real ones do.
    sh(`cat > /etc/init.d/pldemo <<'EOS'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          pldemo
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: prodlike demo daemon
### END INIT INFO
PID=/run/pldemo.pid
running() { [ -f $PID ] && kill -0 "$(cat $PID)" 2>/dev/null; }
case "$1" in
  start) running || { sleep 100000 & echo $! > $PID; } ;;
  stop) running && kill "$(cat $PID)"; rm -f $PID ;;
  status) running && exit 0; exit 3 ;;
  *) echo "usage: $0 start|stop|status"; exit 2 ;;
esac
EOS
chmod 755 /etc/init.d/pldemo`);
    await converge(t, svc('pldemo', { enabled: true }), ['enabled', 'state']);
    expect(sh('/etc/init.d/pldemo status && echo running')).toBe('running');
    expect(sh('ls /etc/rc2.d | grep pldemo')).toMatch(/^S\d\dpldemo$/);
    await converge(t, svc('pldemo', { state: 'stopped', enabled: false }), ['enabled', 'state']);
    expect(sh('/etc/init.d/pldemo status; echo $?')).toBe('3');
    expect(sh('ls /etc/rc2.d | grep pldemo')).toMatch(/^K\d\dpldemo$/);
  });

  it('runs nginx from its package init script', async () => {
    await converge(t, pkg('nginx-light'));
    const { actual } = await probeOne(t, svc('nginx'));
    expect(actual).toMatchObject({ init: 'sysv', exists: true });
    if ((actual as { running: boolean }).running) await converge(t, svc('nginx', { state: 'stopped' }), ['state']);
    expect(sh('pgrep -x nginx || echo none')).toBe('none');
    await converge(t, svc('nginx'), ['state']);
    expect(sh('pgrep -x nginx | head -n 1')).toMatch(/^\d+$/);
  });

  it('a start or stop that returns before the daemon is there, or gone, is waited for: the probe right after it agrees', async () => {
    // Shaped like Debian's redis-server script: the start creates the pid file empty and returns when
    // the daemon's parent exits; the daemon writes its pid 0.3 s later. The stop returns at once; the
    // daemon ends 0.3 s or more later (its TERM trap runs after its current sleep).
    sh(`cat > /etc/init.d/pllate <<'EOS'
#!/bin/sh
PID=/run/pllate.pid
running() { [ -s $PID ] && kill -0 "$(cat $PID)" 2>/dev/null; }
case "$1" in
  start) running && exit 0
    : > $PID
    sh -c 'trap "sleep 0.3; exit 0" TERM; sleep 0.3; echo $$ > /run/pllate.pid; while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
    ;;
  stop) running && kill "$(cat $PID)"; exit 0 ;;
  status) running && exit 0; exit 3 ;;
esac
EOS
chmod 755 /etc/init.d/pllate`);
    // The step, and the init script's own status in the same exec right after it, as converge's probe
    // runs after a change (runner/apply-step.ts).
    const statusRightAfter = async (spec: ServiceResource) => {
      const { actual, changes } = await probeOne(t, spec);
      expect(changes.map((c) => c.field)).toEqual(['state']);
      const res = await t.exec(`${kindOf(spec).apply(spec, actual as never, changes).script}\n/etc/init.d/pllate status; echo "status=$?"`);
      expect(res.code, res.stderr).toBe(0);
      return res.stdout.trim().split('\n').pop();
    };
    expect(await statusRightAfter(svc('pllate'))).toBe('status=0');
    expect(await statusRightAfter(svc('pllate', { state: 'stopped' }))).toBe('status=3');
    // As a container from the cache starts it: the first probe comes right after the start script.
    const boot = await t.exec(`${startServicesScript([{ name: 'pllate' }])}\n/etc/init.d/pllate status; echo "status=$?"`);
    expect(boot.stdout.trim().split('\n').pop()).toBe('status=0');
    sh('/etc/init.d/pllate stop; sleep 1.5');
  });

  it('stops Debian\'s redis-server, whose own stop misses its daemon in a container, and down\'s clean stop does too', async () => {
    // Its script finds the daemon with start-stop-daemon --exec, which reads /proc/<pid>/exe; root in a
    // Docker container (no CAP_SYS_PTRACE) may not read it for the redis user's process: the script
    // says "stopped", stops nothing and removes the pid file.
    await converge(t, pkg('redis-server'));
    const pids = () => sh('pgrep -x redis-server || echo none');
    if ((await probeOne(t, svc('redis-server'))).changes.length) await converge(t, svc('redis-server'), ['state']);
    expect(pids()).toMatch(/^\d+$/);
    // The premise, checked: the script's own stop leaves it running, and its status says stopped.
    expect(sh('/etc/init.d/redis-server stop >/dev/null 2>&1; sleep 1; /etc/init.d/redis-server status >/dev/null 2>&1; echo "status=$?"; pgrep -x redis-server >/dev/null && echo still-running')).toBe('status=3\nstill-running');
    // The probe sees it running all the same, and the stop step stops it.
    expect((await probeOne(t, svc('redis-server'))).actual).toMatchObject({ exists: true, running: true });
    await converge(t, svc('redis-server', { state: 'stopped' }), ['state']);
    expect(pids()).toBe('none');
    // A clean stop: redis got SIGTERM and saved its data on the way out (not killed).
    const byes = () => Number(sh('grep -c "Received SIGTERM" /var/log/redis/redis-server.log || true'));
    expect(sh('tail -n 8 /var/log/redis/redis-server.log')).toMatch(/Received SIGTERM scheduling shutdown[\s\S]*DB saved on disk[\s\S]*ready to exit, bye bye/);
    const stopsSoFar = byes();

    // down and destroy stop it the same way before the container goes.
    await converge(t, svc('redis-server'), ['state']);
    expect(pids()).toMatch(/^\d+$/);
    const down = await t.exec(stopServicesScript(['redis-server']));
    expect(down.stderr).toBe('');
    expect(pids()).toBe('none');
    expect(byes()).toBe(stopsSoFar + 1);
  });

  it('down\'s clean stop says which SysV service did not stop, after its SIGTERM and about 5 s', async () => {
    // A process of the service's name that ignores SIGTERM, and no init script that could stop it.
    sh(`cp /bin/sh /usr/local/bin/plstubborn && (plstubborn -c 'trap "" TERM; while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &)`);
    expect(sh('pgrep -x plstubborn | wc -l')).toBe('1');
    const t0 = Date.now();
    const down = await t.exec(stopServicesScript(['plstubborn']));
    expect(down.stderr.trim()).toBe('prodlike: plstubborn did not stop');
    expect(Date.now() - t0).toBeGreaterThan(5000);
    expect(sh('pgrep -x plstubborn | wc -l')).toBe('1');
    sh('pkill -KILL -x plstubborn; true');
  });

  it('reports a service that is not there as a change that apply refuses', async () => {
    const spec = svc('nosuchservice');
    const { actual, changes } = await probeOne(t, spec);
    expect(changes[0]!.summary).toBe('start nosuchservice (no such service on the machine yet)');
    const res = await t.exec(kindOf(spec).apply(spec, actual as never, changes).script);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/no init script \/etc\/init.d\/nosuchservice/);
  });

  describe('with ready: (a check that the service answers)', () => {
    // An init script shaped like Debian's pg_ctlcluster: the daemon answers after `up` seconds, and the
    // script then spends `settle` seconds confirming before it returns (exit `rc`).
    const script = (name: string, o: { up: number; settle: number; rc?: number }) =>
      sh(`cat > /etc/init.d/${name} <<'EOS'
${initScriptText(
  name,
  [
    `rm -f /run/${name}.ready`,
    `sh -c 'sleep ${o.up}; touch /run/${name}.ready; exec sleep 100000' </dev/null >/dev/null 2>&1 &`,
    'echo $! > $PID',
    `echo "${name}: confirming"`,
    `sleep ${o.settle}`,
    `exit ${o.rc ?? 0} ;;`,
  ],
  ` /run/${name}.ready`,
)}EOS
chmod 755 /etc/init.d/${name}`);
    const ready = (name: string, extra: Partial<ServiceResource> = {}) => svc(name, { ready: `test -e /run/${name}.ready`, ...extra });

    it('is started once the check passes, not when its start script ends', async () => {
      script('plslow', { up: 0.3, settle: 6 });
      const started = Date.now();
      await converge(t, ready('plslow'), ['state']);
      const took = Date.now() - started;
      console.log(`start of a service whose script confirms for 6 s, with ready: ${took} ms`);
      expect(took).toBeLessThan(5000);
      expect(sh('/etc/init.d/plslow status && test -e /run/plslow.ready && echo answers')).toBe('answers');
      // The start script carried on, and the exec did not wait for it.
      expect(sh('pgrep -f "sleep 6" >/dev/null && echo confirming')).toBe('confirming');
    });

    it('is waited for when its start script returns before it answers', async () => {
      script('plearly', { up: 1.5, settle: 0 });
      const started = Date.now();
      await converge(t, ready('plearly'), ['state']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(sh('test -e /run/plearly.ready && echo answers')).toBe('answers');
    });

    it('fails with the script\'s output when the start script ends non-zero before the check passes', async () => {
      script('plfail', { up: 30, settle: 0.2, rc: 1 });
      const started = Date.now();
      const spec = ready('plfail');
      const { actual, changes } = await probeOne(t, spec);
      const res = await t.exec(kindOf(spec).apply(spec, actual as never, changes).script);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('plfail: confirming');
      expect(res.stderr.trim().split('\n').pop()).toBe('prodlike: service plfail: start failed');
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('fails within seconds when its start script ends with 0 but the service does not run', async () => {
      // Like Debian's PostgreSQL script with no cluster: "No PostgreSQL clusters exist", exit 0.
      sh(`printf '#!/bin/sh\\ncase "$1" in start) echo "nothing to start"; exit 0 ;; status) exit 3 ;; esac\\n' > /etc/init.d/plnone && chmod 755 /etc/init.d/plnone`);
      const spec = ready('plnone');
      const { actual, changes } = await probeOne(t, spec);
      const started = Date.now();
      const res = await t.exec(kindOf(spec).apply(spec, actual as never, changes).script);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('nothing to start');
      expect(res.stderr.trim().split('\n').pop()).toBe('prodlike: service plnone: its start command returned 0, but plnone is not running (ready: test -e /run/plnone.ready never passed)');
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(4000);
      expect(took).toBeLessThan(20_000);
    });

    it('as a cached container starts it: done when the check passes, given up on 5 s after a start that ran nothing', async () => {
      script('plboot', { up: 0.2, settle: 20 });
      sh('/etc/init.d/plboot stop >/dev/null 2>&1; true');
      let started = Date.now();
      // The start script's output goes where the container's does; here, the exec's (backgrounded: redirected).
      const ok = await t.exec(`{ ${startServicesScript([{ name: 'plboot', ready: 'test -e /run/plboot.ready' }])}\n} >/dev/null 2>&1; echo done`);
      expect(ok.stdout.trim()).toBe('done');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(sh('test -e /run/plboot.ready && echo answers')).toBe('answers');
      started = Date.now();
      const none = await t.exec(startServicesScript([{ name: 'plnone', ready: 'test -e /run/plnone.ready' }]));
      expect(none.stderr).toContain('prodlike: plnone did not start');
      expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
      expect(Date.now() - started).toBeLessThan(20_000);
    });

    it('is probed while its init script answers: a slow status and a slow check take the time of the slower one', async () => {
      // A status that takes 0.8 s, as Debian's PostgreSQL's (Perl) does under load, and a check as slow.
      sh(`cat > /etc/init.d/plprobe <<'EOS'
#!/bin/sh
PID=/run/plprobe.pid
case "$1" in
  start) sleep 100000 </dev/null >/dev/null 2>&1 & echo $! > $PID ;;
  status) sleep 0.8; [ -f $PID ] && kill -0 "$(cat $PID)" 2>/dev/null && exit 0; exit 3 ;;
esac
EOS
chmod 755 /etc/init.d/plprobe; /etc/init.d/plprobe start; touch /run/plprobe.ready`);
      const slow = (check: string) => svc('plprobe', { ready: `sleep 0.8; ${check}` });
      let started = Date.now();
      expect((await probeOne(t, slow('test -e /run/plprobe.ready'))).actual).toMatchObject({ init: 'sysv', running: true, ready: true });
      const took = Date.now() - started;
      console.log(`probe of a service with a 0.8 s status and a 0.8 s ready: check: ${took} ms`);
      expect(took).toBeLessThan(1400);
      // The check's own answer, not the status's.
      started = Date.now();
      expect((await probeOne(t, slow('test -e /run/plprobe.nothing'))).actual).toMatchObject({ running: true, ready: false });
      expect(Date.now() - started).toBeLessThan(1400);
    });

    it('with no status from its init script (above 3), whether a process of its name runs decides', async () => {
      // No status action (exit 4): whether a process of the service's name runs decides.
      sh(`printf '#!/bin/sh\\ncase "$1" in status) exit 4 ;; esac\\n' > /etc/init.d/plnostat && chmod 755 /etc/init.d/plnostat
cp /bin/sleep /usr/local/bin/plnostat`);
      expect((await probeOne(t, svc('plnostat'))).actual).toMatchObject({ exists: true, running: false });
      sh('plnostat 100000 </dev/null >/dev/null 2>&1 &');
      expect((await probeOne(t, svc('plnostat'))).actual).toMatchObject({ exists: true, running: true });
      sh('pkill -x plnostat; true');
    });

    it('waits for a running service that does not answer yet', async () => {
      script('plwait', { up: 1, settle: 0 });
      expect(sh('/etc/init.d/plwait start >/dev/null; test -e /run/plwait.ready || echo not-yet')).toBe('not-yet');
      const changes = await converge(t, ready('plwait'));
      expect(changes.map((c) => c.summary)).toEqual(['wait until plwait is ready (test -e /run/plwait.ready)']);
      expect(sh('test -e /run/plwait.ready && echo answers')).toBe('answers');
    });
  });
});
