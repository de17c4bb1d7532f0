import { useState, type FormEvent } from 'react';
import { ApiError, type Api, type ErrorDetail, type FieldSchema } from '../api';
import { ErrorBox } from '../components/error-box';
import { windowOf } from '../components/filters';
import { ListEditor } from '../components/list-editor';
import { useLoad } from '../components/use-load';
import { navigate, type Location } from '../router';
import type { DoraProfile, ProfilePreview } from '../types';

type ListField = Exclude<keyof DoraProfile, 'webhook_cd_is_production' | 'incident_window_hours'>;

/** The lists of the profile, in the order the page shows them, with what an empty one means. */
const LISTS: { key: ListField; label: string; empty: string; section: string }[] = [
  {
    key: 'production_environment_types',
    label: 'Production environment types',
    empty: 'None: no target is production by its type.',
    section: 'production',
  },
  {
    key: 'production_environments',
    label: 'Production environment names',
    empty: 'None: no target is production by its name.',
    section: 'production',
  },
  { key: 'sources', label: 'Sources', empty: 'All sources.', section: 'runs' },
  { key: 'pipelines', label: 'Pipelines', empty: 'All pipelines.', section: 'runs' },
  { key: 'counted_results', label: 'Counted results', empty: 'None: no run counts.', section: 'runs' },
  {
    key: 'failure_results',
    label: 'Failure results',
    empty: 'None (cfr_status: true still fails).',
    section: 'failures',
  },
];

const LABELS: Readonly<Record<keyof DoraProfile, string>> = {
  ...(Object.fromEntries(LISTS.map((l) => [l.key, l.label])) as Record<ListField, string>),
  webhook_cd_is_production: 'Webhook CD runs are production',
  incident_window_hours: 'Incident window (hours)',
};

/** The form's state: the lists, what is typed in each list's box, the flag and the number as typed. */
interface Form {
  lists: Record<ListField, string[]>;
  drafts: Record<ListField, string>;
  webhook: boolean;
  hours: string;
}

const formOf = (p: DoraProfile): Form => ({
  lists: Object.fromEntries(LISTS.map((l) => [l.key, [...p[l.key]]])) as Record<ListField, string[]>,
  drafts: Object.fromEntries(LISTS.map((l) => [l.key, ''])) as Record<ListField, string>,
  webhook: p.webhook_cd_is_production,
  hours: String(p.incident_window_hours),
});

/**
 * The profile the form says, as the API takes it: a name typed but not added yet is in its list, and the
 * hours go as a number when they are one (anything else goes as typed, and the API says what is wrong).
 */
function bodyOf(f: Form): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const l of LISTS) {
    const draft = f.drafts[l.key].trim();
    const list = f.lists[l.key];
    body[l.key] = draft === '' || list.includes(draft) ? list : [...list, draft];
  }
  body['webhook_cd_is_production'] = f.webhook;
  const h = f.hours.trim();
  body['incident_window_hours'] = /^-?\d+$/.test(h) ? Number(h) : h;
  return body;
}

/** The profile field an API error names (`profile.sources[2]` is sources), or undefined for the whole form. */
function fieldKey(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const key = field.replace(/^profile\.?/, '').split(/[.[]/)[0];
  return key !== undefined && key in LABELS ? key : undefined;
}

function FieldError({ name, problems }: { name: string; problems: ErrorDetail[] }) {
  if (problems.length === 0) return undefined;
  return (
    <p className="error-inline" role="alert" data-testid={`error-${name}`}>
      {problems.map((p) => `${p.message} (${p.code})`).join(' ')}
    </p>
  );
}

/** A profile's values in words, for the defaults. */
function ProfileSummary({ profile, testId }: { profile: DoraProfile; testId: string }) {
  const show = (v: unknown) =>
    Array.isArray(v)
      ? v.length === 0
        ? '(none)'
        : v.join(', ')
      : typeof v === 'boolean'
        ? v
          ? 'yes'
          : 'no'
        : String(v);
  return (
    <dl className="summary" data-testid={testId}>
      {(Object.keys(LABELS) as (keyof DoraProfile)[]).map((k) => (
        <div key={k} data-field={k}>
          <dt>{LABELS[k]}</dt>
          <dd>{show(profile[k])}</dd>
        </div>
      ))}
    </dl>
  );
}

function PreviewResult({ preview }: { preview: ProfilePreview }) {
  const row = (label: string, before: number, after: number, id: string) => (
    <tr data-testid={`preview-${id}`} data-before={before} data-after={after}>
      <th>{label}</th>
      <td className="num">{before}</td>
      <td className="num">{after}</td>
      <td className="num">{after === before ? '—' : after > before ? `+${after - before}` : after - before}</td>
    </tr>
  );
  return (
    <div className="notice preview" data-testid="preview">
      <p data-testid="preview-message">{preview.message}</p>
      <table>
        <thead>
          <tr>
            <th />
            <th className="num">Now</th>
            <th className="num">With this change</th>
            <th className="num">Change</th>
          </tr>
        </thead>
        <tbody>
          {row('Deployments', preview.current.deployments, preview.proposed.deployments, 'deployments')}
          {row('Failed deployments', preview.current.failed, preview.proposed.failed, 'failed')}
        </tbody>
      </table>
      <p className="muted">
        {preview.added} run(s) become deployments, {preview.removed} deployment(s) become plain runs, between{' '}
        {preview.window.from.slice(0, 10)} and {preview.window.to.slice(0, 10)} (end excluded).
      </p>
    </div>
  );
}

/**
 * The DORA profile: what counts as a production deployment and as a failure. Every field can be changed,
 * the change previewed over the dashboard's time range, saved (the dashboard follows at once) or reset to the
 * defaults the server gives.
 */
export function DoraProfilePage({ api, loc }: { api: Api; loc: Location }) {
  const w = windowOf(loc);
  const back = new URLSearchParams(loc.query);
  const dashboard = `/insights/dora${back.toString() === '' ? '' : `?${back.toString()}`}`;
  const loaded = useLoad(async () => {
    const [current, defaults, fields, values] = await Promise.all([
      api.profile(),
      api.profileDefaults(),
      api.profileFields().catch(() => ({}) as Record<string, FieldSchema>),
      api.filterValues().catch(() => undefined),
    ]);
    return { current: current.profile, defaults: defaults.profile, fields, values };
  }, 'profile');
  const [form, setForm] = useState<Form | undefined>(undefined);
  const [preview, setPreview] = useState<ProfilePreview | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<'preview' | 'save' | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  if (loaded.error !== undefined && loaded.data === undefined) return <ErrorBox error={loaded.error} />;
  if (loaded.data === undefined) return <p className="muted">Loading the profile…</p>;
  const { current, defaults, fields, values } = loaded.data;
  const f = form ?? formOf(current);

  // Updates from the previous state: one click can make two (Add puts the name in its list and empties the box).
  const change = (next: (f: Form) => Form) => {
    setForm((prev) => next(prev ?? formOf(current)));
    setPreview(undefined);
    setNotice(undefined);
  };
  const problems = error instanceof ApiError ? error.problems() : [];
  const of = (key: string) => problems.filter((p) => fieldKey(p.field) === key);
  const general = error !== undefined && !(error instanceof ApiError && problems.every((p) => fieldKey(p.field)));
  const run = async (what: 'preview' | 'save') => {
    setBusy(what);
    setError(undefined);
    setNotice(undefined);
    try {
      if (what === 'preview') setPreview(await api.previewProfile(bodyOf(f), { from: w.from, to: w.to }));
      else {
        await api.saveProfile(bodyOf(f));
        navigate(dashboard);
      }
    } catch (e) {
      setPreview(undefined);
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run('save');
  };
  const suggestions: Record<ListField, string[]> = {
    production_environment_types: values?.environment_types ?? [],
    production_environments: values?.environments ?? [],
    sources: values?.ci_sources ?? [],
    pipelines: values?.ci_pipelines ?? [],
    counted_results: [
      ...new Set([...defaults.counted_results, ...defaults.failure_results, ...current.counted_results]),
    ],
    failure_results: [...new Set([...defaults.failure_results, ...current.failure_results])],
  };
  const list = (key: ListField) => {
    const l = LISTS.find((x) => x.key === key)!;
    const s = fields[key];
    return (
      <ListEditor
        key={key}
        name={key}
        label={l.label}
        hint={s?.description}
        empty={l.empty}
        values={f.lists[key]}
        onChange={(v) => change((x) => ({ ...x, lists: { ...x.lists, [key]: v } }))}
        draft={f.drafts[key]}
        onDraft={(d) => change((x) => ({ ...x, drafts: { ...x.drafts, [key]: d } }))}
        suggestions={suggestions[key]}
        limits={{
          ...(s?.maxItems === undefined ? {} : { maxItems: s.maxItems }),
          ...(s?.items?.maxLength === undefined ? {} : { maxLength: s.items.maxLength }),
        }}
        error={<FieldError name={key} problems={of(key)} />}
        invalid={of(key).length > 0}
      />
    );
  };
  const hours = fields['incident_window_hours'];
  const webhook = fields['webhook_cd_is_production'];

  return (
    <div className="page profile-page">
      <p>
        <a
          href={dashboard}
          onClick={(e) => {
            e.preventDefault();
            navigate(dashboard);
          }}
        >
          ← DORA dashboard
        </a>
      </p>
      <h1>DORA profile: what counts</h1>
      <p className="muted">
        Which runs are production deployments, and which of them failed. Preview a change over the dashboard’s time
        range ({w.from} to {w.to}), then save it: the DORA figures follow at once.
      </p>
      <form onSubmit={submit} noValidate aria-label="DORA profile" data-testid="profile-form">
        <section className="card">
          <h2>Production deployments</h2>
          <div className="profile-grid">
            {list('production_environment_types')}
            {list('production_environments')}
          </div>
          <label className="check-row" data-testid="field-webhook_cd_is_production">
            <span>
              <input
                type="checkbox"
                name="webhook_cd_is_production"
                checked={f.webhook}
                onChange={(e) => {
                  const checked = e.target.checked;
                  change((x) => ({ ...x, webhook: checked }));
                }}
              />{' '}
              {LABELS.webhook_cd_is_production}
            </span>
            {webhook?.description !== undefined && <small className="muted">{webhook.description}</small>}
            <FieldError name="webhook_cd_is_production" problems={of('webhook_cd_is_production')} />
          </label>
        </section>
        <section className="card">
          <h2>Which runs count</h2>
          <div className="profile-grid">
            {list('sources')}
            {list('pipelines')}
            {list('counted_results')}
          </div>
        </section>
        <section className="card">
          <h2>Failures</h2>
          <div className="profile-grid">
            {list('failure_results')}
            <label data-testid="field-incident_window_hours">
              {LABELS.incident_window_hours}
              {hours?.description !== undefined && <small className="muted">{hours.description}</small>}
              <input
                type="number"
                name="incident_window_hours"
                value={f.hours}
                min={hours?.minimum}
                max={hours?.maximum}
                step={1}
                onChange={(e) => {
                  const hours = e.target.value;
                  change((x) => ({ ...x, hours }));
                }}
                aria-invalid={of('incident_window_hours').length > 0 ? true : undefined}
              />
              {hours?.minimum !== undefined && hours.maximum !== undefined && (
                <small className="muted">
                  From {hours.minimum} to {hours.maximum}.
                </small>
              )}
              <FieldError name="incident_window_hours" problems={of('incident_window_hours')} />
            </label>
          </div>
        </section>
        {general && <ErrorBox error={error} />}
        {notice !== undefined && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {preview !== undefined && <PreviewResult preview={preview} />}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => void run('preview')} disabled={busy !== undefined}>
            {busy === 'preview' ? 'Previewing…' : 'Preview'}
          </button>
          <button type="submit" disabled={busy !== undefined}>
            {busy === 'save' ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              change(() => formOf(defaults));
              setError(undefined);
              setNotice('The defaults are in the form: preview or save them.');
            }}
          >
            Reset to defaults
          </button>
          <button type="button" className="link" onClick={() => navigate(dashboard)}>
            Cancel
          </button>
        </div>
      </form>
      <section className="card defaults">
        <h2>The defaults</h2>
        <p className="muted">What counts with no setup; Reset to defaults puts them in the form.</p>
        <ProfileSummary profile={defaults} testId="defaults" />
      </section>
    </div>
  );
}
