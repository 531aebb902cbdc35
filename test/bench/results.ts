// The figures a run collects, the targets from the issue, and how they are printed (table or JSON).
import type { Timeline } from './lib.js';

export interface Figure {
  section: string;
  /** What was measured, e.g. "no-change re-run". */
  metric: string;
  /** Prodlike's median (ms, or MB for memory). */
  prodlike?: number;
  /** The peer's median, same unit. */
  peer?: number;
  /** "ansible-playbook", "docker-compose", "ssh (warm)", ... */
  peerName?: string;
  unit: 'ms' | 'MB';
  /** How many samples the medians are of. */
  n: number;
  samples?: { prodlike?: number[]; peer?: number[] };
  /** A target from the issue, checked on this figure. */
  target?: { text: string; met: boolean };
  note?: string;
  /** Where a Prodlike run's time went (median over the samples), from its --json events. */
  timeline?: Timeline;
}

export interface Skip {
  section: string;
  reason: string;
}

export class Results {
  readonly figures: Figure[] = [];
  readonly skipped: Skip[] = [];
  readonly errors: { section: string; error: string }[] = [];
  /** Load average (1/5/15 min) when each section started and ended: figures taken on a busy machine say so. */
  readonly loads: { section: string; start: string; end: string }[] = [];
  add(f: Figure): Figure {
    this.figures.push(f);
    return f;
  }
  skip(section: string, reason: string): void {
    this.skipped.push({ section, reason });
  }
}

/** peer / prodlike: how many times faster Prodlike is (> 1 is faster). */
export function ratio(f: Figure): number | undefined {
  if (f.prodlike === undefined || f.peer === undefined || !(f.prodlike > 0)) return undefined;
  return f.peer / f.prodlike;
}

const fmt = (v: number | undefined, unit: string) => (v === undefined || Number.isNaN(v) ? '—' : unit === 'MB' ? `${v.toFixed(0)} MB` : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

/** A Markdown table (it reads fine in a terminal too). */
export function table(r: Results): string {
  const head = ['section', 'what', 'Prodlike', 'peer', 'peer median', 'ratio peer/Prodlike', 'n', 'target', ''];
  const rows = r.figures.map((f) => {
    const q = ratio(f);
    return [
      f.section,
      f.metric + (f.note ? ` (${f.note})` : ''),
      fmt(f.prodlike, f.unit),
      f.peerName ?? '',
      fmt(f.peer, f.unit),
      q === undefined ? '' : `${q.toFixed(q < 10 ? 2 : 1)}×`,
      String(f.n),
      f.target?.text ?? '',
      f.target ? (f.target.met ? 'met' : '**MISSED**') : '',
    ];
  });
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((c) => `| ${c.join(' | ')} |`)];
  return lines.join('\n');
}

export function targetsSummary(r: Results): string {
  const t = r.figures.filter((f) => f.target);
  const missed = t.filter((f) => !f.target!.met);
  const lines = [`Targets: ${t.length - missed.length}/${t.length} met.`];
  for (const f of missed) lines.push(`- MISSED: ${f.section} / ${f.metric}: ${f.target!.text} (Prodlike ${fmt(f.prodlike, f.unit)}${f.peer !== undefined ? `, ${f.peerName} ${fmt(f.peer, f.unit)}` : ''})`);
  for (const s of r.skipped) lines.push(`- skipped: ${s.section}: ${s.reason}`);
  for (const e of r.errors) lines.push(`- FAILED: ${e.section}: ${e.error.split('\n')[0]}`);
  return lines.join('\n');
}

export function loadLines(r: Results): string {
  return r.loads.map((l) => `- ${l.section}: ${l.start} → ${l.end}`).join('\n');
}

export function timelines(r: Results): string {
  const lines: string[] = [];
  for (const f of r.figures) {
    if (!f.timeline) continue;
    const tl = f.timeline;
    const phases = Object.entries(tl.phases)
      .map(([k, v]) => `${k} ${Math.round(v.start)}→${Math.round(v.end)}`)
      .join(', ');
    lines.push(`- ${f.section} / ${f.metric}: first event at ${Math.round(tl.firstEventMs)} ms (start-up + profile load), ${phases}${phases ? ', ' : ''}run-end at ${Math.round(tl.runEndMs)} ms (engine ${tl.engineMs ?? '?'} ms), exit at ${fmt(f.prodlike, 'ms')}`);
  }
  return lines.join('\n');
}
