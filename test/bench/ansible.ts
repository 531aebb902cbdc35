// 1. Configuration over SSH: the same 20 resources with ansible-playbook and with prodlike, each on
// its own fresh sshd container from the same image.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sshd } from '../support/sshd.js';
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

/**
 * What the 20 resources leave on a host, read with `docker exec` (neither tool): package versions,
 * each managed path's type, mode, owner, group and content hash, the managed lines, the user and the
 * groups. Two hosts that did the same work print the same text.
 */
const END_STATE = `dpkg-query -W -f '\${Package} \${Version} \${Status}\\n' tree jq 2>&1
for f in /srv/plbench /srv/plbench/conf /srv/plbench/data /srv/plbench/logs /srv/plbench/conf/app.conf /srv/plbench/conf/db.conf /srv/plbench/README /etc/plbench.conf /srv/plbench/data/seed.txt /srv/plbench/data/built.txt /srv/plbench/logs/init.log /var/lib/pl-bench-apt-updated; do
  stat -c '%n %F %a %U %G' "$f" 2>&1; if [ -f "$f" ]; then sha256sum < "$f"; fi
done
grep -h PLBENCH /etc/environment /etc/bash.bashrc
getent passwd plbench | cut -d: -f1,3,4,6,7; id -Gn plbench
getent group plbench plbench-ops | cut -d: -f1,3,4`;

async function endState(s: Sshd): Promise<string[]> {
  return (await s.exec(END_STATE)).trim().split('\n');
}

/** The lines where two end states differ, as "ansible: … | prodlike: …". */
export function endStateDiff(a: string[], p: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, p.length); i++) if (a[i] !== p[i]) out.push(`ansible: ${a[i] ?? '(none)'} | prodlike: ${p[i] ?? '(none)'}`);
  return out;
}

export async function ansibleSuite(ctx: Ctx): Promise<void> {
  if (!commandExists('ansible-playbook')) {
    ctx.results.skip(SECTION, 'ansible-playbook not found: install Debian\'s `ansible-core` (apt-get install ansible-core)');
    return;
  }
  const fresh = ctx.quick ? 1 : 5;
  const differences: string[] = [];
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
    // Same work, proven: both hosts must end in the same state (compared with docker exec).
    const diff = endStateDiff(await endState(a), await endState(p));
    if (diff.length) log(`  end states differ after first apply ${i + 1}:\n    ${diff.join('\n    ')}`);
    differences.push(...diff);
    ctx.configured = { sshd: p, file, machine: 'target' };
    if (i < fresh - 1) {
      await a.stop();
      await p.stop();
    }
  }
  const sameState = differences.length === 0 ? 'end states identical: packages, files, lines, users, groups' : `end states DIFFER on ${new Set(differences).size} line(s): ${[...new Set(differences)].slice(0, 3).join('; ')}`;
  ctx.results.add({ section: SECTION, metric: 'first apply (fresh container)', prodlike: median(firstP), peer: median(firstA), peerName: 'ansible-playbook', unit: 'ms', n: firstP.length, samples: { prodlike: firstP, peer: firstA }, note: sameState });

  log(`${SECTION}: no-change re-runs`);
  const [aNo, pNo] = await interleave(ctx.reps, 1, [() => ansibleRun(), () => ctx.cli.run(['up', file, '--json'])]);
  for (const r of aNo!) if (recap(r).changed !== 0) throw new Error(`ansible no-change run changed ${recap(r).changed}`);
  for (const r of pNo!) if (summary(r).changed !== 0) throw new Error(`prodlike no-change up changed ${summary(r).changed}`);
  ctx.results.add({ section: SECTION, metric: 'no-change re-run (up)', prodlike: med(pNo!), peer: med(aNo!), peerName: 'ansible-playbook', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pNo!), peer: ms(aNo!) }, timeline: medianTimeline(pNo!) });

  // The same re-run through the warm agent (the installed command, as a user runs it): the issue's
  // "no-change vs Ansible ≥ 50×" is about this row.
  log(`${SECTION}: no-change re-runs through the agent`);
  await ctx.cli.runAgent(['agent', 'start']);
  ctx.cleanup.add('agent', () => ctx.cli.runAgent(['agent', 'stop']));
  await ctx.cli.runAgent(['up', file, '--json']);
  const [aNo2, pAg] = await interleave(ctx.reps, 1, [() => ansibleRun(), () => ctx.cli.runAgent(['up', file, '--json'])]);
  for (const r of pAg!) if (summary(r).changed !== 0) throw new Error(`prodlike no-change up (agent) changed ${summary(r).changed}`);
  ctx.results.add({ section: SECTION, metric: 'no-change re-run (up), with the agent', prodlike: med(pAg!), peer: med(aNo2!), peerName: 'ansible-playbook', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pAg!), peer: ms(aNo2!) }, timeline: medianTimeline(pAg!), target: { text: '≥ 50× faster', met: med(aNo2!) / med(pAg!) >= 50 } });
  await ctx.cli.runAgent(['agent', 'stop']);

  log(`${SECTION}: dry runs`);
  const [aCheck, pDrift, pPlan] = await interleave(ctx.reps, 1, [() => ansibleRun(['--check', '--diff']), () => ctx.cli.run(['drift', file, '--json']), () => ctx.cli.run(['plan', file, '--json'])]);
  ctx.results.add({ section: SECTION, metric: 'dry run: drift vs --check --diff', prodlike: med(pDrift!), peer: med(aCheck!), peerName: 'ansible-playbook --check --diff', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pDrift!), peer: ms(aCheck!) }, timeline: medianTimeline(pDrift!) });
  ctx.results.add({ section: SECTION, metric: 'dry run: plan vs --check --diff', prodlike: med(pPlan!), peer: med(aCheck!), peerName: 'ansible-playbook --check --diff', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pPlan!), peer: ms(aCheck!) }, timeline: medianTimeline(pPlan!) });
}

