// The runner's core rules, as specs over a scripted machine (test/support/scripted-machine.ts): order,
// probe again after every change, guards decided on the state earlier resources left, first failure
// stops the machine, and the round-trips each costs.

import { describe, expect, it } from 'vitest';
import type { CommandResource, MachineSpec, PackageResource, ResourceSpec, ServiceResource } from '../../../../shared/profile.js';
import type { RunEvent } from '../../../../shared/events.js';
import { converge, NOT_EVALUATED_ON_PRODUCTION } from '../../../../electron/engine/runner/converge.js';
import { stepFailure, tailLines } from '../../../../electron/engine/runner/apply-step.js';
import { probeOutput, ScriptedTransport, type ScriptedModel } from '../../../support/scripted-machine.js';

const pkg = (name: string): PackageResource => ({ id: `package:${name}`, kind: 'package', name, state: 'present' });
const svc = (name: string): ServiceResource => ({ id: `service:${name}`, kind: 'service', name, state: 'running' });
const cmd = (name: string, guards: Partial<CommandResource> = {}): CommandResource => ({ id: `command:${name}`, kind: 'command', name, env: {}, ...guards });
const machine = (resources: ResourceSpec[]): MachineSpec => ({ name: 'db', docker: { image: 'x', ports: [], env: {}, volumes: [], privileged: false }, resources });

/** A small database machine: postgres installed or not, running or not, the database there or not. */
function dbMachine(state: { installed: boolean; running: boolean; dbExists: boolean; failStart?: string; startDoesNothing?: boolean }) {
  const ran: string[] = [];
  const model: ScriptedModel = {
    probe(spec) {
      if (spec.kind === 'package') return probeOutput.package(state.installed ? '15.8' : undefined);
      if (spec.kind === 'service') return probeOutput.service({ exists: state.installed, running: state.running });
      if (spec.kind === 'command') {
        // The guard asks the server: it answers only while it runs (as psql does).
        const c = spec as CommandResource;
        return probeOutput.command({ ...(c.unless !== undefined ? { unless: state.running && state.dbExists ? 0 : 1 } : {}) });
      }
      throw new Error(`unexpected ${spec.kind}`);
    },
    apply(script) {
      if (script.includes('apt-get')) {
        ran.push('install');
        state.installed = true;
        return {};
      }
      if (script.includes('start')) {
        ran.push('start');
        if (state.failStart) return { code: 1, stderr: `line 1\n${state.failStart}\n` };
        if (!state.startDoesNothing) state.running = true;
        return {};
      }
      if (script.includes('createdb')) {
        ran.push('createdb');
        if (state.dbExists) return { code: 1, stderr: 'createuser: error: creation of new role failed: ERROR:  role "shop" already exists\n' };
        state.dbExists = true;
        return {};
      }
      throw new Error(`unexpected apply script:\n${script}`);
    },
  };
  return { model, ran };
}

const createdb = cmd('createuser shop && createdb -O shop shop', { unless: "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'shop'\" | grep -q 1" });
const shop = machine([pkg('postgresql-15'), svc('postgresql'), createdb]);

function run(m: MachineSpec, model: ScriptedModel, mode: 'apply' | 'plan' = 'apply', opts: { readOnly?: boolean } = {}) {
  const t = new ScriptedTransport(m.resources, model);
  const events: RunEvent[] = [];
  return converge(m, t, mode, { runId: 'r', emit: (e) => events.push(e) }, opts).then((result) => ({ result, t, events }));
}

const statuses = (r: { resources: { name: string; status: string }[] }) => Object.fromEntries(r.resources.map((x) => [x.name, x.status]));

describe('converge: ordered evaluation over a scripted machine', () => {
  it('a run with nothing to change costs one probe round-trip', async () => {
    const { model, ran } = dbMachine({ installed: true, running: true, dbExists: true });
    const { result, t } = await run(shop, model);
    expect(result.status).toBe('ok');
    expect(t.execs.map((e) => e.kind)).toEqual(['probe']);
    expect(ran).toEqual([]);
  });

  it('decides a guard after the service started earlier in the run (up after down: the database exists, postgres stopped)', async () => {
    const { model, ran } = dbMachine({ installed: true, running: false, dbExists: true });
    const { result, t } = await run(shop, model);
    expect(ran).toEqual(['start']);
    expect(statuses(result)).toEqual({ 'postgresql-15': 'ok', postgresql: 'changed', [createdb.name]: 'ok' });
    // probe, start, one probe that confirms the start and decides the command.
    expect(t.execs.map((e) => e.kind)).toEqual(['probe', 'apply', 'probe']);
    expect(t.execs[2]!.names).toEqual(['postgresql', createdb.name]);
  });

  it('on a fresh machine installs, starts, then runs the command once, each decided after the one before', async () => {
    const { model, ran } = dbMachine({ installed: false, running: false, dbExists: false });
    const { result, t } = await run(shop, model);
    expect(ran).toEqual(['install', 'start', 'createdb']);
    expect(result.status).toBe('changed');
    expect(t.execs.map((e) => e.kind)).toEqual(['probe', 'apply', 'probe', 'apply', 'probe', 'apply']);
    // After the package: the package itself is confirmed, and the rest is probed again in the same round-trip.
    expect(t.execs[2]!.names).toEqual(['postgresql-15', 'postgresql', createdb.name]);
    // A command's run is its confirmation: nothing follows it, so no probe after it.
    expect(t.execs).toHaveLength(6);
    // Each probe after a change ran in its apply's exec: a change costs one round-trip, not two.
    expect(t.calls).toBe(4);
  });

  it('the second run after that changes nothing', async () => {
    const state = { installed: false, running: false, dbExists: false };
    const { model } = dbMachine(state);
    await run(shop, model);
    const again = await run(shop, model);
    expect(again.result.status).toBe('ok');
    expect(again.t.execs).toHaveLength(1);
  });

  it('a resource made right by an earlier one is not applied (the package brings the service up)', async () => {
    const state = { installed: false, running: false, dbExists: true };
    const { model, ran } = dbMachine(state);
    const origApply = model.apply.bind(model);
    model.apply = (script, stdin) => {
      const r = origApply(script, stdin);
      if (script.includes('apt-get')) state.running = true; // Debian's packages start their daemon
      return r;
    };
    const { result } = await run(shop, model);
    expect(ran).toEqual(['install']);
    expect(statuses(result)).toEqual({ 'postgresql-15': 'changed', postgresql: 'ok', [createdb.name]: 'ok' });
  });

  it('consecutive packages are one step, then one probe', async () => {
    const m = machine([pkg('a'), pkg('b'), pkg('c'), svc('postgresql')]);
    const { model } = dbMachine({ installed: false, running: true, dbExists: true });
    const { t, result } = await run(m, model);
    expect(t.execs.map((e) => e.kind)).toEqual(['probe', 'apply', 'probe']);
    expect(t.execs[1]!.script).toMatch(/apt-get[\s\S]*'a'[\s\S]*'b'[\s\S]*'c'/);
    expect(statuses(result)).toEqual({ a: 'changed', b: 'changed', c: 'changed', postgresql: 'ok' });
  });

  it('the first failure stops the machine: later resources are skipped and say why; the error has the exit code and the stderr tail, once', async () => {
    const { model, ran } = dbMachine({ installed: true, running: false, dbExists: false, failStart: 'postgres: could not bind to port 5432' });
    const { result, events } = await run(shop, model);
    expect(ran).toEqual(['start']);
    expect(statuses(result)).toEqual({ 'postgresql-15': 'ok', postgresql: 'failed', [createdb.name]: 'skipped' });
    const failed = result.resources.find((r) => r.status === 'failed')!;
    expect(failed.error!.message).toMatch(/^service postgresql failed on machine db \(exit 1\):\n {2}line 1\n {2}postgres: could not bind to port 5432$/);
    expect(result.resources.find((r) => r.status === 'skipped')!.error!.message).toBe('not applied: service postgresql failed first');
    // Each resource is announced once, when it is decided.
    const announced = events.filter((e) => e.type === 'resource').map((e) => (e.type === 'resource' ? `${e.resource.name}:${e.status}` : ''));
    expect(announced).toEqual(['postgresql-15:ok', 'postgresql:failed', `${createdb.name}:skipped`]);
  });

  it('a change that does not hold is a failure (not converged), and stops the machine', async () => {
    const { model } = dbMachine({ installed: true, running: false, dbExists: true, startDoesNothing: true });
    const { result } = await run(shop, model);
    expect(statuses(result)).toEqual({ 'postgresql-15': 'ok', postgresql: 'failed', [createdb.name]: 'skipped' });
    expect(result.resources[1]!.error!.name).toBe('NotConverged');
    expect(result.resources[2]!.error!.message).toBe('not applied: service postgresql did not converge');
  });

  it('a machine that cannot be probed after a change fails (it is not reported as converged)', async () => {
    const { model } = dbMachine({ installed: true, running: false, dbExists: true });
    const t = new ScriptedTransport(shop.resources, model);
    const exec = t.exec.bind(t);
    // The start's exec runs the start, then its probe prints nothing (sh could not fork, say).
    t.exec = async (script, opts) => {
      const r = await exec(script, opts);
      if (t.calls !== 2) return r;
      return { code: 2, stdout: r.stdout.replace(/@@PL:[0-9a-f]+:PROBE@@[\s\S]*/, ''), stderr: `${r.stderr}sh: cannot fork\n` };
    };
    const result = await converge(shop, t, 'apply', { runId: 'r', emit: () => {} });
    expect(result.status).toBe('failed');
    expect(result.error!.message).toBe('the machine could not be probed after service postgresql: probing scripted machine failed (exit 2): sh: cannot fork');
    expect(statuses(result)).toEqual({ 'postgresql-15': 'ok', postgresql: 'changed', [createdb.name]: 'skipped' });
  });

  it('a connection lost during a change fails that change (whether it ran is unknown), and skips the rest', async () => {
    const { model } = dbMachine({ installed: true, running: false, dbExists: true });
    const t = new ScriptedTransport(shop.resources, model);
    const exec = t.exec.bind(t);
    t.exec = async (script, opts) => {
      if (t.calls === 1) throw new Error('connection lost');
      return exec(script, opts);
    };
    const result = await converge(shop, t, 'apply', { runId: 'r', emit: () => {} });
    expect(result.status).toBe('failed');
    expect(statuses(result)).toEqual({ 'postgresql-15': 'ok', postgresql: 'failed', [createdb.name]: 'skipped' });
    expect(result.resources[1]!.error!.message).toBe('service postgresql could not run on machine db: connection lost');
  });

  it('a run cancelled between steps fails the machine, and says what was not applied', async () => {
    const { model, ran } = dbMachine({ installed: true, running: false, dbExists: false });
    const ac = new AbortController();
    ac.abort();
    const t = new ScriptedTransport(shop.resources, model);
    const result = await converge(shop, t, 'apply', { runId: 'r', emit: () => {}, signal: ac.signal });
    expect(ran).toEqual([]);
    expect(result.status).toBe('failed');
    expect(result.error!.name).toBe('Cancelled');
    expect(statuses(result)).toEqual({ 'postgresql-15': 'ok', postgresql: 'skipped', [createdb.name]: 'skipped' });
  });

  it('a command is confirmed by its run alone (no probe after it when nothing follows)', async () => {
    const m = machine([cmd('echo hi')]);
    const model: ScriptedModel = { probe: () => probeOutput.command({}), apply: () => ({}) };
    const { t, result } = await run(m, model);
    expect(t.execs.map((e) => e.kind)).toEqual(['probe', 'apply']);
    expect(result.resources[0]!.status).toBe('changed');
  });

  it('plan probes once, applies nothing, and reports what differs', async () => {
    const { model, ran } = dbMachine({ installed: true, running: false, dbExists: true });
    const { t, result } = await run(shop, model, 'plan');
    expect(ran).toEqual([]);
    expect(t.execs).toHaveLength(1);
    expect(statuses(result)).toEqual({ 'postgresql-15': 'ok', postgresql: 'pending', [createdb.name]: 'pending' });
  });

  it('read-only (production): a command\'s user guards are not run; it is reported as not evaluated', async () => {
    const { model } = dbMachine({ installed: true, running: true, dbExists: true });
    const { t, result } = await run(shop, model, 'plan', { readOnly: true });
    expect(t.execs).toHaveLength(1);
    expect(t.execs[0]!.script).not.toContain('pg_database');
    expect(t.execs[0]!.names).toEqual(['postgresql-15', 'postgresql']);
    const c = result.resources[2]!;
    expect(c.status).toBe('skipped');
    expect(c.error!.message).toBe(NOT_EVALUATED_ON_PRODUCTION);
  });

  it('read-only: a service\'s `ready:` check is not run; whether it runs still is', async () => {
    const m = machine([{ ...svc('postgresql'), ready: 'touch /tmp/pwned' }]);
    const model: ScriptedModel = { probe: () => probeOutput.service({ exists: true, running: true }), apply: () => { throw new Error('no apply on production'); } };
    const { t, result } = await run(m, model, 'plan', { readOnly: true });
    expect(t.execs[0]!.script).not.toContain('pwned');
    expect(t.execs[0]!.script).toContain("_pl_s='postgresql'");
    expect(result.resources[0]!.status).toBe('ok');
  });

  it('read-only: a command whose `creates` exists is in sync without running any guard', async () => {
    const m = machine([cmd('make', { creates: '/srv/app/dist', unless: 'touch /tmp/pwned' })]);
    const model: ScriptedModel = { probe: () => probeOutput.command({ creates: true }), apply: () => { throw new Error('no apply on production'); } };
    const { t, result } = await run(m, model, 'apply', { readOnly: true });
    expect(t.execs[0]!.script).not.toContain('pwned');
    expect(result.resources[0]!.status).toBe('ok');
  });
});

describe('a failed step, for a person', () => {
  it('shows the exit code and the last 10 lines of stderr', () => {
    const stderr = Array.from({ length: 15 }, (_, i) => `e${i + 1}`).join('\n');
    const e = stepFailure('command x', 'db', 'machine db', { code: 3, stdout: 'out', stderr });
    expect(e.message).toBe(`command x failed on machine db (exit 3):\n${Array.from({ length: 10 }, (_, i) => `  e${i + 6}`).join('\n')}`);
    expect(e.details).toEqual({ exitCode: 3, stderr });
  });
  it('shows stdout when stderr is empty, and says when there was nothing', () => {
    expect(stepFailure('x', 'm', 'w', { code: 1, stdout: 'only stdout\n', stderr: ' \n' }).message).toBe('x failed on machine m (exit 1):\n  only stdout');
    expect(stepFailure('x', 'm', 'w', { code: 2, stdout: '', stderr: '' }).message).toBe('x failed on machine m (exit 2), and printed nothing');
  });
  it('tailLines drops blank lines and trailing spaces', () => {
    expect(tailLines('a  \n\n b\n\n', 5)).toEqual(['a', ' b']);
  });
});
