// A terminal on a machine (xterm.js). Keystrokes go out as shell:input, output comes back as pushes.

import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { ApiError, ProfileDetail, ShellInfo } from '../../../shared/api';
import { api } from '../lib/api';
import { toApiError } from '../lib/api-errors';
import { stampStyleNonces } from '../lib/csp-nonce';
import { ErrorBox } from './ErrorBox';

// xterm.js writes <style> elements; the CSP lets them apply only with the page's nonce.
stampStyleNonces();

/** A terminal on a new shell, or (attach) on one already open on the engine, repainted from its backlog. */
function Term({ file, machine, attach, onExit }: { file: string; machine: string; attach?: string; onExit(code: number): void }) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    const term = new Terminal({ fontSize: 13, fontFamily: 'ui-monospace, Menlo, Consolas, monospace', cursorBlink: true, convertEol: false });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    fit.fit();
    let shellId: string | null = null;
    let closed = false;
    // Output can arrive before shell:open answers; keep it until the id is known.
    const early: { shellId: string; data: string }[] = [];
    const unsubscribe = api.subscribe((p) => {
      if (p.type === 'shell-data') {
        if (shellId === null) early.push(p);
        else if (p.shellId === shellId) term.write(p.data);
      } else if (p.type === 'shell-exit' && p.shellId === shellId) {
        term.write(`\r\n[shell exited with code ${p.code}]\r\n`);
        onExit(p.code);
      }
    });
    const opened = attach
      ? api.call('shell:attach', { shellId: attach }).then((a) => {
          // Output pushed before the attach answered is in the backlog too.
          early.length = 0;
          term.write(a.backlog);
          void api.call('shell:resize', { shellId: attach, cols: term.cols, rows: term.rows }).catch(() => undefined);
          return { shellId: attach };
        })
      : api.call('shell:open', { file, machine, cols: term.cols, rows: term.rows });
    opened.then(
      (r) => {
        if (closed) {
          void api.call('shell:close', { shellId: r.shellId });
          return;
        }
        shellId = r.shellId;
        for (const p of early) if (p.shellId === shellId) term.write(p.data);
        early.length = 0;
        term.focus();
      },
      (e: unknown) => setError(toApiError(e)),
    );
    const input = term.onData((data) => {
      if (shellId) api.call('shell:input', { shellId, data }).catch((e: unknown) => setError(toApiError(e)));
    });
    const ro = new ResizeObserver(() => {
      // Hidden (another tab is shown): keep the size it had, the shell goes on behind.
      if (!host.current || host.current.clientWidth === 0) return;
      fit.fit();
      if (shellId) void api.call('shell:resize', { shellId, cols: term.cols, rows: term.rows }).catch(() => undefined);
    });
    ro.observe(host.current!);
    return () => {
      closed = true;
      ro.disconnect();
      input.dispose();
      unsubscribe();
      if (shellId) void api.call('shell:close', { shellId }).catch(() => undefined);
      term.dispose();
    };
  }, [file, machine, attach, onExit]);

  return (
    <>
      {error && <ErrorBox error={error} title="Could not open a shell" />}
      <div ref={host} className="terminal" aria-label={`Terminal on ${machine}`} />
    </>
  );
}

export function ShellView({ detail }: { detail: ProfileDetail }) {
  const machines = detail.profile.machines;
  const [machine, setMachine] = useState(machines[0]?.name ?? '');
  const [open, setOpen] = useState<{ machine: string; n: number; attach?: string } | null>(null);
  // Shells still open on the engine (this page was reloaded, or another window opened them): attach.
  const [others, setOthers] = useState<ShellInfo[]>([]);
  useEffect(() => {
    let live = true;
    api.call('shell:list', undefined).then(
      (list) => live && setOthers(list.filter((x) => x.file === detail.profile.file)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [detail.profile.file, open]);
  const [exited, setExited] = useState<number | null>(null);
  return (
    <div className="shell">
      <div className="toolbar">
        <label>
          Machine{' '}
          <select value={machine} onChange={(e) => setMachine(e.target.value)}>
            {machines.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => {
            setExited(null);
            setOpen({ machine, n: (open?.n ?? 0) + 1 });
          }}
        >
          Open shell
        </button>
        {open && (
          <button type="button" onClick={() => setOpen(null)}>
            Close shell
          </button>
        )}
        {exited !== null && <span className="muted">Shell exited ({exited}).</span>}
        {others
          .filter((x) => x.shellId !== open?.attach)
          .map((x) => (
            <button
              key={x.shellId}
              type="button"
              title={`A shell opened ${new Date(x.startedAt).toLocaleString()}, still running`}
              onClick={() => {
                setExited(null);
                setOpen({ machine: x.machine, n: (open?.n ?? 0) + 1, attach: x.shellId });
              }}
            >
              Attach to the shell on {x.machine}
            </button>
          ))}
      </div>
      {open && <Term key={`${open.machine}-${open.n}`} file={detail.profile.file} machine={open.machine} {...(open.attach ? { attach: open.attach } : {})} onExit={setExited} />}
    </div>
  );
}
