// An error as a person can act on it: the message, where it happened, what to do, and for an unknown
// SSH host key its fingerprint with a Trust button.

import { useState } from 'react';
import type { ApiError } from '../../../shared/api';
import type { ErrorInfo } from '../../../shared/report';
import { api } from '../lib/api';
import { toApiError } from '../lib/api-errors';
import { canTrust, hostOf } from '../lib/host-key';

export function ErrorBox({ error, title, onTrusted }: { error: ErrorInfo | ApiError; title?: string; onTrusted?: () => void }) {
  const fingerprint = typeof error.details?.fingerprint === 'string' ? error.details.fingerprint : undefined;
  const target = hostOf(error);
  const [trustState, setTrustState] = useState<'idle' | 'busy' | 'done' | ErrorInfo>('idle');
  const stderr = typeof error.details?.stderr === 'string' ? error.details.stderr : undefined;

  const trust = async () => {
    if (!target) return;
    setTrustState('busy');
    try {
      await api.call('hostkeys:trust', target);
      setTrustState('done');
      onTrusted?.();
    } catch (e) {
      setTrustState(toApiError(e));
    }
  };

  return (
    <div className="error-box" role="alert">
      <div className="error-title">{title ?? 'Error'}</div>
      <div className="error-message">{error.message}</div>
      {error.where && (
        <div className="error-where">
          at <code>{error.where}</code>
        </div>
      )}
      {error.hint && <div className="error-hint">{error.hint}</div>}
      {stderr && <pre className="error-stderr">{stderr}</pre>}
      {fingerprint && (
        <div className="error-hostkey">
          <div>
            Host key fingerprint{target ? ` of ${target.host}:${target.port}` : ''}: <code>{fingerprint}</code>
          </div>
          <div className="muted">Compare it with the one your administrator gave you before trusting it.</div>
          {canTrust(error) && target && trustState !== 'done' && (
            <button type="button" onClick={trust} disabled={trustState === 'busy'}>
              Trust this host key
            </button>
          )}
          {trustState === 'done' && <div className="ok-text">Trusted. Run again to connect.</div>}
          {typeof trustState === 'object' && <div className="error-message">{trustState.message}</div>}
        </div>
      )}
    </div>
  );
}
