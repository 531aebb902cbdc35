// A unified diff, coloured by line kind, without the patch tool's header lines; by default "−" is what
// the machine has, "+" what the profile says.

import { cleanDiff } from '../state/drift-format';

export function DiffView({ diff, label, legend = ['− on the machine', '+ in the profile'] }: { diff: string; label: string; legend?: [string, string] }) {
  const lines = cleanDiff(diff).replace(/\n$/, '').split('\n');
  return (
    <figure className="diff-figure">
      <figcaption className="muted diff-legend">
        <span className="diff-del">{legend[0]}</span> <span className="diff-add">{legend[1]}</span>
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
