// 4. The physical limit: the probe script Prodlike would send, run by hand in one round-trip over a
// warm OpenSSH connection (ControlMaster) and over a cold one, and through one `docker exec`; next to
// Prodlike's own no-change run and drift of the same profile.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadProfile } from '../../electron/engine/profile/index.js';
import { buildProbeScript } from '../../electron/engine/resources/probe-script.js';
import { summary } from './ansible.js';
import { prodlikeProfile } from './compose.js';
import { interleave, med, medianTimeline, ms, sshd, target, writeFileIn, type Ctx } from './context.js';
import { BIN, log, must, PREFIX, rand, run } from './lib.js';
import { configProfile } from './workloads.js';

const SECTION = 'physical floor';

async function probeScript(file: string, machine: string): Promise<{ script: string; count: number }> {
  const profile = await loadProfile(file);
  const m = profile.machines.find((x) => x.name === machine);
  if (!m) throw new Error(`no machine ${machine} in ${file}`);
  return { script: buildProbeScript(m.resources), count: m.resources.length };
}

export async function floorSuite(ctx: Ctx): Promise<void> {
  // SSH: the 20-resource configuration target (configured by the Ansible suite, or here).
  let cfg = ctx.configured;
  if (!cfg) {
    log(`${SECTION}: configuring an sshd container with the 20-resource profile`);
    const s = await sshd(ctx, 'floor');
    const name = `${PREFIX}floor-${rand()}`;
    const file = await writeFileIn(ctx, `profiles/${name}.yaml`, configProfile(name, target(s, 'target')));
    await ctx.cli.run(['up', file, '--json']);
    cfg = { sshd: s, file, machine: 'target' };
  }
  const { script, count } = await probeScript(cfg.file, cfg.machine);
  const cm = path.join(ctx.cli.dir, 'cm');
  await mkdir(cm, { recursive: true });
  const sshBase = ['-i', cfg.sshd.identity, '-p', String(cfg.sshd.port), '-o', `UserKnownHostsFile=${ctx.cli.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
  const warm = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${cm}/%C`, '-o', 'ControlPersist=120'];
  const cold = ['-o', 'ControlMaster=no', '-o', 'ControlPath=none'];
  const ssh = (opts: string[]) => () => must('ssh', [...sshBase, ...opts, 'root@127.0.0.1', 'sh', '-s'], { input: script, env: ctx.cli.env });
  ctx.cleanup.add('ssh control master', () => run('ssh', [...sshBase, ...warm, '-O', 'exit', 'root@127.0.0.1']));
  log(`${SECTION}: ssh round-trips (${count} resources)`);
  await ctx.cli.runAgent(['agent', 'start']);
  ctx.cleanup.add('agent', () => ctx.cli.runAgent(['agent', 'stop']));
  const [sWarm, sCold, pUp, pDrift, aUp] = await interleave(ctx.reps, 1, [ssh(warm), ssh(cold), () => ctx.cli.run(['up', cfg.file, '--json']), () => ctx.cli.run(['drift', cfg.file, '--json']), () => ctx.cli.runAgent(['up', cfg.file, '--json'])]);
  for (const r of aUp!) if (summary(r).changed !== 0) throw new Error(`no-change up (agent) changed ${summary(r).changed}`);
  for (const r of pUp!) if (summary(r).changed !== 0) throw new Error(`no-change up changed ${summary(r).changed}`);
  const floorMs = med(sWarm!);
  ctx.results.add({ section: SECTION, metric: `SSH no-change up, 1 host × ${count} resources`, prodlike: med(pUp!), peer: floorMs, peerName: 'ssh sh -s < probe (warm ControlMaster)', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pUp!), peer: ms(sWarm!) }, note: 'in-process (no agent): the ≤ 2× floor target is the agent row’s', timeline: medianTimeline(pUp!) });
  ctx.results.add({ section: SECTION, metric: `SSH no-change up, 1 host × ${count} resources, with the agent`, prodlike: med(aUp!), peer: floorMs, peerName: 'ssh sh -s < probe (warm ControlMaster)', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(aUp!), peer: ms(sWarm!) }, target: { text: '≤ 2× floor', met: med(aUp!) <= 2 * floorMs }, timeline: medianTimeline(aUp!) });
  ctx.results.add({ section: SECTION, metric: `SSH drift, 1 host × ${count} resources`, prodlike: med(pDrift!), peer: floorMs, peerName: 'ssh sh -s < probe (warm ControlMaster)', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pDrift!), peer: ms(sWarm!) }, note: 'in-process (no agent)' });
  ctx.results.add({ section: SECTION, metric: `SSH drift, 1 host × ${count} resources`, prodlike: med(pDrift!), peer: med(sCold!), peerName: 'ssh sh -s < probe (new connection)', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(pDrift!), peer: ms(sCold!) } });

  // Docker: 1 container × 10 resources.
  const pl = await prodlikeProfile(ctx, 'fd', 1, 10);
  // Not from the environment cache: a state another bench saved would leave nothing to change.
  const up = await ctx.cli.run(['up', pl.file, '--json', '--no-cache']);
  if ((summary(up).changed ?? 0) < 10) throw new Error(`floor container up changed only ${summary(up).changed}`);
  const container = `${pl.name}-m1`;
  const d = await probeScript(pl.file, 'm1');
  const dockerExec = () => must('docker', ['exec', '-i', container, 'sh', '-s'], { input: d.script });
  log(`${SECTION}: docker exec round-trips (${d.count} resources)`);
  const [dEx, dUp, dDrift] = await interleave(ctx.reps, 1, [dockerExec, () => ctx.cli.run(['up', pl.file, '--json']), () => ctx.cli.run(['drift', pl.file, '--json'])]);
  const dFloor = med(dEx!);
  ctx.results.add({ section: SECTION, metric: `container no-change up, 1 × ${d.count} resources`, prodlike: med(dUp!), peer: dFloor, peerName: 'docker exec -i sh -s < probe', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(dUp!), peer: ms(dEx!) }, note: 'in-process (no agent)', timeline: medianTimeline(dUp!) });
  ctx.results.add({ section: SECTION, metric: `container drift, 1 × ${d.count} resources`, prodlike: med(dDrift!), peer: dFloor, peerName: 'docker exec -i sh -s < probe', unit: 'ms', n: ctx.reps, samples: { prodlike: ms(dDrift!), peer: ms(dEx!) }, timeline: medianTimeline(dDrift!) });
}

/** CLI start-up: `prodlike --version` against `node -e 0` (the runtime's own floor). */
export async function startupSuite(ctx: Ctx): Promise<void> {
  const n = ctx.quick ? 5 : 15;
  const [pv, nodeOnly] = await interleave(n, 2, [() => must(process.execPath, [BIN, '--version']), () => must(process.execPath, ['-e', '0'])]);
  const m = med(pv!);
  ctx.results.add({ section: 'CLI', metric: 'start-up: prodlike --version', prodlike: m, peer: med(nodeOnly!), peerName: 'node -e 0', unit: 'ms', n, samples: { prodlike: ms(pv!), peer: ms(nodeOnly!) }, target: { text: '≤ 150 ms', met: m <= 150 } });
}
