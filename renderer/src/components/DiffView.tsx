// A unified diff, coloured by line kind, without the patch tool's header lines: "−" is what the
// machine has, "+" what the profile says.

import { cleanDiff } from '../state/drift-format';

export function DiffView({ diff, label }: { diff: string; label: string }) {
  const lines = cleanDiff(diff).replace(/\n$/, '').split('\n');
  return (
    <figure className="diff-figure">
      <figcaption className="muted diff-legend">
        <span className="diff-del">− on the machine</span> <span className="diff-add">+ in the profile</span>
      </figcaption>
      <pre className="diff" aria-label={label} tabIndex={0}>
        {lines.map((l, i) => {
          const cls = l.startsWith('@@') ? 'diff-hunk' : l.startsWith('+') ? 'diff-add' : l.startsWith('-') ? 'diff-del' : '';
          return (
            <div key={i} className={cls}>
              {l || ' '}
            </div>
          );
        })}
      </pre>
    </figure>
  );
}
