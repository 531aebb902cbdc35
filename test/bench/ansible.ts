// 1. Configuration over SSH: the same 20 resources with ansible-playbook and with prodlike, each on
// its own fresh sshd container from the same image.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { interleave, med, medianTimeline, ms, sshd, target, writeFileIn, type Ctx } from './context.js';
import { commandExists, log, median, must, rand, tempDir, type Proc } from './lib.js';
import { ansibleCfg, configProfile, inventory, PLAYBOOK } from './workloads.js';

const SECTION = 'ssh config vs Ansible';

/** Counts from the PLAY RECAP line: "ok=20 changed=0 ...". */
function recap(p: Proc): { ok: number; changed: number } {
  const m = /ok=(\d+)\s+changed=(\d+)/.exec(p.stdout);
  return { ok: Number(m?.[1] ?? NaN), changed: Number(m?.[2] ?? NaN) };
}

/** The summary of a `prodlike <run> --json`: its last line is `{ result: { summary } }`. */
export function summary(p: Proc): { ok?: number; changed?: number; pending?: number; failed?: number } {
  const last = p.stdout.trim().split('\n').pop() ?? '{}';
  try {
    return (JSON.parse(last) as { result?: { summary?: Record<string, number> } }).result?.summary ?? {};
  } catch {
    return {};
  }
}

export async function ansibleSuite(ctx: Ctx): Promise<void> {
  if (!commandExists('ansible-playbook')) {
    ctx.results.skip(SECTION, 'ansible-playbook not found: install Debian\'s `ansible-core` (apt-get install ansible-core)');
    return;
  }
  const fresh = ctx.quick ? 1 : 2;
  const firstA: number[] = [];
  const firstP: number[] = [];
  let ansibleRun: (extra?: string[]) => Promise<Proc> = async () => {
    throw new Error('unreachable');
  };
  let file = '';
  for (let i = 0; i < fresh; i++) {
    log(`${SECTION}: fresh containers ${i + 1}/${fresh}`);
    const [a, p] = await Promise.all([sshd(ctx, 'ans'), sshd(ctx, 'pl')]);
    const adir = await tempDir('ansible');
    await mkdir(path.join(adir, 'cp'), { recursive: true });
    await writeFile(path.join(adir, 'ansible.cfg'), ansibleCfg(adir, ctx.cli.knownHosts));
    await writeFile(path.join(adir, 'inventory.ini'), inventory(a.port, a.identity));
    await writeFile(path.join(adir, 'site.yml'), PLAYBOOK);
    const aenv = { ...ctx.cli.env, ANSIBLE_CONFIG: path.join(adir, 'ansible.cfg'), ANSIBLE_FORCE_COLOR: '0', ANSIBLE_HOME: path.join(adir, 'home') };
    ansibleRun = (extra = []) => must('ansible-playbook', ['site.yml', ...extra], { cwd: adir, env: aenv, timeoutMs: 900_000 });
    const name = `pl-bench-cfg-${rand()}`;
    file = await writeFileIn(ctx, `profiles/${name}.yaml`, configProfile(name, target(p, 'target')));
    const cfgFile = file;
    const prodlikeUp = () => ctx.cli.run(['up', cfgFile, '--json']);
    // Alternate who goes first (the package mirror and the disk are shared).
    const order = i % 2 === 0 ? ([['a', ansibleRun], ['p', prodlikeUp]] as const) : ([['p', prodlikeUp], ['a', ansibleRun]] as const);
    for (const [who, fn] of order) {
      const r = await fn();
      (who === 'a' ? firstA : firstP).push(r.ms);
      log(`  first apply ${who === 'a' ? 'ansible' : 'prodlike'}: ${Math.round(r.ms)} ms`);
      if (who === 'a' && recap(r).changed < 10) throw new Error(`ansible first apply changed only ${recap(r).changed} tasks`);
      if (who === 'p' && (summary(r).changed ?? 0) < 10) throw new Error(`prodlike first apply changed only ${summary(r).changed} resources`);
    }
    ctx.configured = { sshd: p, file, machine: 'target' };
    if (i < fresh - 1) {
      await a.stop();
      await p.stop();
    }
  }
  ctx.results.add({ section: SECTION, metric: 'first apply (fresh container)', prodlike: median(firstP), peer: median(firstA), peerName: 'ansible-playbook', unit: 'ms', n: firstP.length, samples: { prodlike: firstP, peer: firstA } });

  log(`${SECTION}: no-change re-runs`);
  const [aNo, pNo] = await interleave(ctx.reps, 1, [() => ansibleRun(), () => ctx.cli.run(['up', file, '--json'])]);
  for (const r of aNo!) if (recap(r).changed !== 0) throw new Error(`ansible no-change run changed ${recap(r).changed}`);
  for (const r of pNo!) if (summary(r).changed !== 0) throw new Error(`prodlike no-change up changed ${summary(r).changed}`);
  ctx.results.add({ section: SECTION, metric: 'no-change re-run (up)', prodlike: med(pNo!), peer: med(aNo!), peerName: 'ansible-playbook', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pNo!), peer: ms(aNo!) }, timeline: medianTimeline(pNo!) });

  log(`${SECTION}: dry runs`);
  const [aCheck, pDrift, pPlan] = await interleave(ctx.reps, 1, [() => ansibleRun(['--check', '--diff']), () => ctx.cli.run(['drift', file, '--json']), () => ctx.cli.run(['plan', file, '--json'])]);
  ctx.results.add({ section: SECTION, metric: 'dry run: drift vs --check --diff', prodlike: med(pDrift!), peer: med(aCheck!), peerName: 'ansible-playbook --check --diff', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pDrift!), peer: ms(aCheck!) }, timeline: medianTimeline(pDrift!) });
  ctx.results.add({ section: SECTION, metric: 'dry run: plan vs --check --diff', prodlike: med(pPlan!), peer: med(aCheck!), peerName: 'ansible-playbook --check --diff', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pPlan!), peer: ms(aCheck!) }, timeline: medianTimeline(pPlan!) });
}

