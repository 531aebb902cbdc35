// A modal confirmation on the native <dialog>: focus is trapped and Escape cancels, for free.

import { useEffect, useRef } from 'react';

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  /** The confirm button's look (default danger) and whether it can be pressed. */
  confirmTone?: 'danger' | 'primary';
  confirmDisabled?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} className="dialog" aria-label={props.title} onCancel={props.onCancel}>
      <h2>{props.title}</h2>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" className={props.confirmTone ?? 'danger'} onClick={props.onConfirm} disabled={props.confirmDisabled}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
