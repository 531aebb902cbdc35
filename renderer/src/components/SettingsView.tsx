// Settings: Docker engine address, SSH identity, cache cap, profile folders, the environment cache and
// the trusted host keys.

import { useState } from 'react';
import type { Settings } from '../../../shared/api';
import { api } from '../lib/api';
import { useAction, useLoad } from '../lib/hooks';
import { CacheSettings } from './CacheSettings';
import { ErrorBox } from './ErrorBox';

export function SettingsView() {
  const settings = useLoad(() => api.call('settings:get', undefined), []);
  // Saved settings may change the cache's cap or the engine it is on: the cache is listed again.
  const [savedCount, setSavedCount] = useState(0);
  const keys = useLoad(() => api.call('hostkeys:list', undefined), []);
  const revoke = useAction(async (host: string) => {
    // known_hosts form: host, or [host]:port
    const m = /^\[(.+)\]:(\d+)$/.exec(host);
    await api.call('hostkeys:revoke', m ? { host: m[1]!, port: Number(m[2]) } : { host, port: 22 });
    keys.reload();
  });

  return (
    <div className="settings">
      <h2>Settings</h2>
      {settings.error && <ErrorBox error={settings.error} />}
      {settings.data && <SettingsForm initial={settings.data} onSaved={() => setSavedCount((n) => n + 1)} />}

      <CacheSettings version={savedCount} />

      <h3>Trusted host keys</h3>
      {keys.error && <ErrorBox error={keys.error} />}
      {revoke.error && <ErrorBox error={revoke.error} />}
      <table className="table" aria-label="Trusted host keys">
        <thead>
          <tr>
            <th>Host</th>
            <th>Type</th>
            <th>Fingerprint</th>
            <th>Added</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(keys.data ?? []).map((k) => (
            <tr key={`${k.host} ${k.keyType}`}>
              <td>{k.host}</td>
              <td>{k.keyType}</td>
              <td>
                <code>{k.fingerprint}</code>
              </td>
              <td>{new Date(k.addedAt).toLocaleString()}</td>
              <td>
                <button type="button" onClick={() => void revoke.run(k.host)} aria-label={`Revoke host key of ${k.host}`}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
          {keys.data?.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No host keys trusted here (keys in ~/.ssh/known_hosts are used as well).
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** The form starts from the settings as loaded and keeps its own edits until saved. */
function SettingsForm({ initial, onSaved }: { initial: Settings; onSaved(): void }) {
  const [form, setForm] = useState<Settings>(initial);
  // The folders are edited as free text and split only on save, so typing a new line works.
  const [folders, setFolders] = useState(initial.profileFolders.join('\n'));
  const [saved, setSaved] = useState(false);
  const engine = useLoad(() => api.call('docker:engine', undefined), []);
  const save = useAction(async (s: Settings) => {
    const stored = await api.call('settings:set', s);
    engine.reload();
    // Show what the engine stored (the folder list normalised), not what was typed.
    setForm(stored);
    setFolders(stored.profileFolders.join('\n'));
    setSaved(true);
    onSaved();
  });
  const edit = (patch: Partial<Settings>) => {
    setSaved(false);
    setForm({ ...form, ...patch });
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void save.run({ ...form, profileFolders: folders.split('\n').map((f) => f.trim()).filter(Boolean) });
      }}
    >
      <label className="field">
        <span>Docker engine address</span>
        <input value={form.dockerHost} placeholder="empty: the context below" onChange={(e) => edit({ dockerHost: e.target.value })} />
      </label>
      <label className="field">
        <span>Docker context</span>
        <select value={form.dockerContext ?? ''} disabled={!!form.dockerHost} onChange={(e) => edit({ dockerContext: e.target.value })}>
          <option value="">as the docker CLI decides (DOCKER_HOST, DOCKER_CONTEXT, current context)</option>
          {(engine.data?.contexts ?? []).map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} — {c.host}
              {c.current ? ' (current)' : ''}
            </option>
          ))}
        </select>
      </label>
      {engine.data && (
        <p className="muted" aria-label="Docker engine in use">
          {engine.data.error ? `No engine: ${engine.data.error.message}` : `In use: ${engine.data.address} — ${engine.data.why}`}
        </p>
      )}
      <label className="field">
        <span>SSH identity file</span>
        <input value={form.sshIdentity} placeholder="default: ssh-agent" onChange={(e) => edit({ sshIdentity: e.target.value })} />
      </label>
      <label className="field">
        <span>Environment cache size cap (GB)</span>
        <input type="number" min={0} step={1} value={form.cacheMaxGb} onChange={(e) => edit({ cacheMaxGb: Number(e.target.value) })} />
      </label>
      <label className="field">
        <span>Profile folders (one per line)</span>
        <textarea
          rows={4}
          value={folders}
          onChange={(e) => {
            setSaved(false);
            setFolders(e.target.value);
          }}
        />
      </label>
      <div>
        <button type="submit" disabled={save.busy}>
          Save settings
        </button>
        {saved && <span className="ok-text"> Saved.</span>}
      </div>
      {save.error && <ErrorBox error={save.error} />}
    </form>
  );
}
