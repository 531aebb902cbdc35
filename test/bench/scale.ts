// 3. Scale: drift of 1, 5 and 10 SSH hosts × 50 resources, and 10 hosts × 10 (the slope in
// resources); wall time and the CLI's peak memory.
import type { Sshd } from '../support/sshd.js';
import { interleave, med, medianTimeline, memMb, ms, sshd, target, writeFileIn, type Ctx } from './context.js';
import { log, median, PREFIX, rand } from './lib.js';
import { summary } from './ansible.js';
import { scaleProfile } from './workloads.js';

const SECTION = 'scale (SSH drift)';

export async function scaleSuite(ctx: Ctx): Promise<void> {
  log(`${SECTION}: starting 10 sshd containers`);
  const hosts: Sshd[] = [];
  for (let i = 0; i < 10; i += 5) hosts.push(...(await Promise.all([0, 1, 2, 3, 4].map(() => sshd(ctx, 'scale')))));
  const targets = hosts.map((h, i) => target(h, `h${i + 1}`));
  const tag = rand();
  const profile = async (n: number, resources: number) => {
    const name = `${PREFIX}scale-${n}x${resources}-${tag}`;
    return writeFileIn(ctx, `profiles/${name}.yaml`, scaleProfile(name, targets.slice(0, n), resources));
  };
  const all = await profile(10, 50);
  log(`${SECTION}: configuring 10 hosts × 50 resources`);
  const up = await ctx.cli.run(['up', all, '--json']);
  if ((summary(up).changed ?? 0) < 500) throw new Error(`scale up changed only ${summary(up).changed} of 500`);
  ctx.results.add({ section: SECTION, metric: 'first apply, 10 hosts × 50 resources', prodlike: up.ms, unit: 'ms', n: 1, timeline: medianTimeline([up]) });

  const cases: [number, number][] = [
    [1, 50],
    [5, 50],
    [10, 50],
    [10, 10],
  ];
  const files = await Promise.all(cases.map(([n, r]) => profile(n, r)));
  const runs = await interleave(ctx.reps, 1, files.map((f) => () => ctx.cli.run(['drift', f, '--json'])));
  cases.forEach(([n, r], i) => {
    const ps = runs[i]!;
    const mem = memMb(ps);
    const is10x50 = n === 10 && r === 50;
    ctx.results.add({
      section: SECTION,
      metric: `drift, ${n} host${n > 1 ? 's' : ''} × ${r} resources`,
      prodlike: med(ps),
      unit: 'ms',
      n: ps.length,
      samples: { prodlike: ms(ps) },
      timeline: medianTimeline(ps),
      ...(is10x50 ? { target: { text: '≤ 1.5 s', met: med(ps) <= 1500 } } : {}),
    });
    ctx.results.add({
      section: SECTION,
      metric: `peak memory (VmHWM), drift ${n} × ${r}`,
      prodlike: Math.max(...mem),
      unit: 'MB',
      n: ps.length,
      note: `median ${median(mem).toFixed(0)} MB`,
      ...(is10x50 ? { target: { text: '≤ 150 MB', met: Math.max(...mem) <= 150 } } : {}),
    });
  });
}
