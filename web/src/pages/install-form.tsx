import { useState, type FormEvent } from 'react';
import type { Api } from '../api';
import { ErrorBox } from '../components/error-box';
import type { Integration, IntegrationType, SettingSchema, ValidationReport } from '../types';

// How the source documents name the settings; anything else is shown from its key.
const LABELS: Readonly<Record<string, string>> = {
  url: 'URL',
  api_key: 'API key',
  account_id: 'Account ID',
  organizations: 'Organizations',
  projects: 'Projects',
  history_days: 'History (days)',
  auth: 'Authentication',
  token: 'Personal access token',
  oauth_client_id: 'OAuth application ID',
  oauth_client_secret: 'OAuth application secret',
  groups: 'Groups',
  exclude_groups: 'Exclude groups',
  exclude_projects: 'Exclude projects',
  requests_per_minute: 'Requests per minute',
};

const labelOf = (key: string) => LABELS[key] ?? key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

const choicesOf = (s: SettingSchema): string[] | undefined => {
  const consts = s.anyOf?.map((a) => a.const).filter((c): c is string => typeof c === 'string');
  return consts !== undefined && consts.length > 0 && consts.length === s.anyOf?.length ? consts : undefined;
};

const isNumber = (s: SettingSchema) => s.type === 'integer' || s.type === 'number';

/** Settings from the form: blanks left out (the server applies its defaults), numbers as numbers. */
export function settingsFrom(type: IntegrationType, values: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(type.settings.properties ?? {})) {
    const v = (values[key] ?? '').trim();
    if (v === '') continue;
    out[key] = isNumber(schema) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return out;
}

/** Each check of Validate Connection, passed or failed, with the outcome code. */
export function ValidationResult({ report }: { report: ValidationReport }) {
  return (
    <div className={`validation ${report.outcome === 'ok' ? 'ok' : 'bad'}`} data-testid="validation">
      <p>
        <strong data-testid="validation-outcome">{report.outcome}</strong>: {report.message}
      </p>
      <ul>
        {report.checks.map((c) => (
          <li key={c.id} className={`check ${c.status}`} data-check={c.id} data-status={c.status}>
            <span className="badge">{c.status}</span> <strong>{c.label}</strong>: {c.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The install form of one type, built from the settings its connector declares. */
export function InstallForm({
  api,
  type,
  onInstalled,
  onCancel,
}: {
  api: Api;
  type: IntegrationType;
  onInstalled: (i: Integration) => void;
  onCancel: () => void;
}) {
  const props = type.settings.properties ?? {};
  const required = new Set(type.settings.required ?? []);
  const [name, setName] = useState(type.label);
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [interval, setInterval] = useState('60');
  const [values, setValues] = useState<Record<string, string>>({});
  const [report, setReport] = useState<ValidationReport | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<'validate' | 'install' | null>(null);
  const connector = Object.keys(props).length > 0;
  const auth = values['auth'] ?? '';
  // OAuth needs no token and a token needs no OAuth application: show the fields that matter.
  const hidden = (key: string) =>
    (auth === 'oauth' && key === 'token') || (auth !== 'oauth' && key.startsWith('oauth_') && 'auth' in props);

  const run = async (what: 'validate' | 'install', e?: FormEvent) => {
    e?.preventDefault();
    setBusy(what);
    setError(undefined);
    try {
      const settings = settingsFrom(type, values);
      if (what === 'validate') {
        setReport(await api.validateSettings(type.type, settings));
      } else {
        onInstalled(
          await api.install({
            type: type.type,
            name,
            description,
            tags: tags
              .split(',')
              .map((t) => t.trim())
              .filter((t) => t !== ''),
            settings,
            ...(connector ? { sync_interval_minutes: Number(interval) } : {}),
          }),
        );
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <form className="card install" onSubmit={(e) => void run('install', e)} data-testid={`install-${type.type}`}>
      <h3>Install {type.label}</h3>
      <p className="muted">{type.description}</p>
      <div className="grid">
        <label>
          Name
          <input name="name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Description
          <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          Tags
          <input name="tags" value={tags} placeholder="comma-separated" onChange={(e) => setTags(e.target.value)} />
        </label>
        {connector && (
          <label>
            Sync every (minutes)
            <input
              name="sync_interval_minutes"
              type="number"
              min={1}
              max={10080}
              value={interval}
              onChange={(e) => setInterval(e.target.value)}
            />
          </label>
        )}
        {Object.entries(props)
          .filter(([key]) => !hidden(key))
          .map(([key, schema]) => {
            const choices = choicesOf(schema);
            const secret = type.secret_fields.includes(key);
            const common = {
              name: key,
              value: values[key] ?? '',
              required: required.has(key),
              onChange: (e: { target: { value: string } }) => setValues({ ...values, [key]: e.target.value }),
            };
            return (
              <label key={key}>
                {labelOf(key)}
                {required.has(key) ? ' *' : ''}
                {choices !== undefined ? (
                  <select {...common}>
                    <option value="">default</option>
                    {choices.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...common}
                    type={secret ? 'password' : isNumber(schema) ? 'number' : 'text'}
                    autoComplete={secret ? 'new-password' : 'off'}
                    min={schema.minimum}
                    max={schema.maximum}
                  />
                )}
                {schema.description !== undefined && <small className="muted">{schema.description}</small>}
              </label>
            );
          })}
      </div>
      <ErrorBox error={error} />
      {report !== undefined && <ValidationResult report={report} />}
      <div className="actions">
        {connector && (
          <button type="button" className="secondary" disabled={busy !== null} onClick={() => void run('validate')}>
            {busy === 'validate' ? 'Validating…' : 'Validate Connection'}
          </button>
        )}
        <button type="submit" disabled={busy !== null}>
          {busy === 'install' ? 'Installing…' : 'Install'}
        </button>
        <button type="button" className="link" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
