import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Api } from '../api';
import { ErrorBox } from '../components/error-box';
import { ago, dateTime } from '../format';
import { navigate } from '../router';
import type { Integration, OAuthStatus, SyncJob, SyncStatus, ValidationReport } from '../types';
import { ValidationResult } from './install-form';

const POLL_MS = 1000;
const FINISHED_BAD = new Set(['failed', 'partial', 'canceled']);

/** healthy / failing / syncing / never synced, from the sync status (connector types). */
function health(s: SyncStatus | undefined): { label: string; tone: string } {
  if (s === undefined) return { label: 'unknown', tone: 'muted' };
  if (s.active !== null) return { label: s.active.status === 'queued' ? 'queued' : 'syncing', tone: 'busy' };
  const last = s.history[0];
  if (last === undefined) return { label: 'never synced', tone: 'muted' };
  if (FINISHED_BAD.has(last.status)) return { label: last.status === 'partial' ? 'partial' : 'failing', tone: 'bad' };
  return { label: 'healthy', tone: 'good' };
}

/** What the running job has done so far: its current stream and scope, records and pages per stream. */
function Progress({ job }: { job: SyncJob }) {
  const records = (job.streams ?? []).reduce((n, s) => n + s.records, 0);
  const pages = (job.streams ?? []).reduce((n, s) => n + s.pages, 0);
  const stream = typeof job.progress['stream'] === 'string' ? job.progress['stream'] : undefined;
  const scope = typeof job.progress['scope'] === 'string' ? job.progress['scope'] : undefined;
  // How many streams a sync has is known only as it reaches them: the bar moves without claiming a percentage.
  return (
    <div className="progress" data-testid="sync-progress" data-records={records}>
      <progress aria-label="Sync in progress" />
      <span>
        {job.status === 'queued' ? 'Queued…' : `Syncing ${stream ?? ''}${scope && scope !== '*' ? ` (${scope})` : ''}`}
        {' · '}
        <span data-testid="sync-records">{records}</span> records · {pages} pages
      </span>
    </div>
  );
}

function StreamList({ job }: { job: SyncJob }) {
  return (
    <ul className="streams">
      {(job.streams ?? []).map((s) => (
        <li key={s.stream} className={s.status}>
          {s.stream}: {s.status}, {s.records} records, {s.pages} pages
          {s.error !== null && (
            <span className="error-inline">
              {' '}
              — {s.error.message} ({s.error.code})
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Re-authenticate with a new key or token: the other settings are sent back as they are (secrets masked). */
function ReplaceSecret({
  api,
  integration,
  field,
  onSaved,
}: {
  api: Api;
  integration: Integration;
  field: string;
  onSaved: (i: Integration) => void;
}) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      onSaved(await api.updateIntegration(integration.id, { settings: { ...integration.settings, [field]: value } }));
      setValue('');
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="inline replace" onSubmit={(e) => void save(e)}>
      <label>
        New {field.replace(/_/g, ' ')}
        <input
          type="password"
          name={`replace-${field}`}
          autoComplete="new-password"
          value={value}
          required
          onChange={(e) => {
            setValue(e.target.value);
            setSaved(false);
          }}
        />
      </label>
      <button type="submit" className="secondary">
        Save
      </button>
      {saved && <span className="muted">Saved: validate or sync now.</span>}
      <ErrorBox error={error} />
    </form>
  );
}

/** One installed integration: health, last sync, live progress, errors, and its actions. */
export function IntegrationRow({
  api,
  integration: initial,
  label,
  secretFields,
}: {
  api: Api;
  integration: Integration;
  label: string;
  secretFields: string[];
}) {
  const [integration, setIntegration] = useState(initial);
  const [replacing, setReplacing] = useState(false);
  const isConnector = integration.type !== 'custom';
  const isOAuth = integration.type === 'gitlab' && integration.settings['auth'] === 'oauth';
  const [status, setStatus] = useState<SyncStatus | undefined>(undefined);
  const [oauth, setOauth] = useState<OAuthStatus | undefined>(undefined);
  const [report, setReport] = useState<ValidationReport | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    if (!isConnector) return;
    try {
      setStatus(await api.syncStatus(integration.id));
      if (isOAuth) setOauth(await api.oauthStatus(integration.id));
    } catch (err) {
      setError(err);
    }
  }, [api, integration.id, isConnector, isOAuth]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  // While a job is queued or running, poll its progress.
  const active = status?.active ?? null;
  useEffect(() => {
    if (active === null) return;
    const t = setTimeout(() => void refresh(), POLL_MS);
    return () => clearTimeout(t);
  }, [active, refresh]);

  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const syncNow = () =>
    act(async () => {
      await api.syncNow(integration.id);
      await refresh();
    });
  const validate = () => act(async () => setReport(await api.validateIntegration(integration.id)));
  const reauth = () =>
    act(async () => {
      const { authorize_url } = await api.authorize(integration.id);
      window.location.assign(authorize_url);
    });

  // The secrets this integration has (answered masked): an expired or revoked one is replaced here.
  const replaceable = secretFields.filter((f) => integration.settings[f] === '********');
  const h = isConnector ? health(status) : { label: 'receives runs', tone: 'good' };
  const last = status?.history.find((j) => j.finished_at !== null);
  return (
    <li className="card integration" data-testid={`integration-${integration.id}`} data-type={integration.type}>
      <div className="row">
        <div>
          <h3>{integration.name}</h3>
          <span className="muted">
            {label} · id {integration.id}
            {isConnector && ` · syncs every ${integration.sync_interval_minutes} min`}
          </span>
        </div>
        <span className={`pill ${h.tone}`} data-testid="health">
          {h.label}
        </span>
      </div>
      {isConnector && (
        <div className="facts">
          <span data-testid="last-sync">
            Last sync:{' '}
            {last === undefined ? 'never' : `${last.status} ${ago(last.finished_at)} (${dateTime(last.finished_at)})`}
          </span>
          <span>Last success: {status?.last_success === null ? 'never' : ago(status?.last_success?.finished_at)}</span>
          <span>Next: {dateTime(status?.next_sync_at)}</span>
          {isOAuth && (
            <span>
              GitLab sign-in:{' '}
              {oauth?.authorized === true ? `signed in as ${oauth.authorized_by ?? '?'}` : 'not signed in'}
            </span>
          )}
        </div>
      )}
      {active !== null && <Progress job={active} />}
      {active === null && last !== undefined && (last.error !== null || FINISHED_BAD.has(last.status)) && (
        <div className="error" data-testid="sync-error">
          Last sync {last.status}
          {last.error !== null && `: ${last.error.message} (${last.error.code})`}
        </div>
      )}
      {active === null && last !== undefined && <StreamList job={last} />}
      <ErrorBox error={error} />
      {report !== undefined && <ValidationResult report={report} />}
      <div className="actions">
        {isConnector && (
          <>
            <button type="button" disabled={busy || active !== null} onClick={() => void syncNow()}>
              Sync now
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => void validate()}>
              Validate Connection
            </button>
          </>
        )}
        {isConnector && !isOAuth && replaceable.length > 0 && (
          <button type="button" className="secondary" onClick={() => setReplacing(!replacing)}>
            Re-authenticate: new {replaceable.map((f) => f.replace(/_/g, ' ')).join(', ')}
          </button>
        )}
        {isOAuth && (
          <button type="button" className="secondary" disabled={busy} onClick={() => void reauth()}>
            {oauth?.authorized === true ? 'Re-authenticate' : 'Sign in with GitLab'}
          </button>
        )}
        {!isConnector && (
          <button
            type="button"
            className="secondary"
            onClick={() => navigate(`/custom-cicd?integration=${encodeURIComponent(integration.id)}`)}
          >
            Instances and curl command
          </button>
        )}
      </div>
      {replacing &&
        replaceable.map((f) => (
          <ReplaceSecret key={f} api={api} integration={integration} field={f} onSaved={setIntegration} />
        ))}
    </li>
  );
}
