import { useState, type FormEvent } from 'react';
import { ApiError, type Api, type ErrorDetail } from '../api';
import { ErrorBox } from '../components/error-box';
import { ListEditor } from '../components/list-editor';
import { useLoad } from '../components/use-load';
import { navigate } from '../router';
import type { Team } from '../types';

/** The API's limits on a team (POST /v1/teams). */
const NAME_MAX = 128;
const LIST_LIMITS = { maxItems: 200, maxLength: 256 };

type ListField = 'services' | 'repositories';
const FIELDS = ['name', 'services', 'repositories'] as const;

/** The open form: a new team (no id) or the team being edited, with what is typed in each list's box. */
interface Form {
  id: string | undefined;
  name: string;
  services: string[];
  repositories: string[];
  drafts: Record<ListField, string>;
}

const blank = (): Form => ({
  id: undefined,
  name: '',
  services: [],
  repositories: [],
  drafts: { services: '', repositories: '' },
});

const formOf = (t: Team): Form => ({
  id: t.id,
  name: t.name,
  services: [...t.services],
  repositories: [...t.repositories],
  drafts: { services: '', repositories: '' },
});

/** A list as the form says it: a name typed but not added yet is in it. */
const listOf = (f: Form, key: ListField): string[] => {
  const draft = f.drafts[key].trim();
  return draft === '' || f[key].includes(draft) ? f[key] : [...f[key], draft];
};

/** The team field an API error names (`services[3]` is services), or undefined for the whole form. */
function fieldKey(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const key = field.replace(/^(body|team)\.?/, '').split(/[.[]/)[0];
  return (FIELDS as readonly string[]).includes(key ?? '') ? key : undefined;
}

function FieldError({ name, problems }: { name: string; problems: ErrorDetail[] }) {
  if (problems.length === 0) return undefined;
  return (
    <p className="error-inline" role="alert" data-testid={`error-${name}`}>
      {problems.map((p) => `${p.message} (${p.code})`).join(' ')}
    </p>
  );
}

function Chips({ values, empty, testId }: { values: string[]; empty: string; testId: string }) {
  if (values.length === 0) return <span className="muted">{empty}</span>;
  return (
    <ul className="chips" data-testid={testId}>
      {values.map((v) => (
        <li key={v} className="chip static" data-value={v}>
          {v}
        </li>
      ))}
    </ul>
  );
}

/** Sorted, each once. */
const union = (...lists: (string[] | undefined)[]): string[] =>
  [...new Set(lists.flatMap((l) => l ?? []))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Teams: the services and repositories each team's work runs through. The dashboards' Team filter counts
 * what is theirs. Create, edit (name and both lists, with the values in the data as suggestions), delete after
 * a confirmation; the API's errors are shown next to the field they name.
 */
export function TeamsPage({ api }: { api: Api }) {
  const loaded = useLoad(async () => {
    const [teams, values] = await Promise.all([api.teams(), api.filterValues().catch(() => undefined)]);
    return { teams: teams.teams, values };
  }, 'teams-page');
  const [form, setForm] = useState<Form | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [listError, setListError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  if (loaded.error !== undefined && loaded.data === undefined) return <ErrorBox error={loaded.error} />;
  if (loaded.data === undefined) return <p className="muted">Loading the teams…</p>;
  const { teams, values } = loaded.data;

  const open = (f: Form) => {
    setForm(f);
    setError(undefined);
    setNotice(undefined);
    setConfirming(undefined);
  };
  // Updates from the previous state: one click can make two (Add puts the name in its list and empties the box).
  const change = (next: (f: Form) => Form) => setForm((prev) => (prev === undefined ? prev : next(prev)));

  const problems = error instanceof ApiError ? error.problems() : [];
  const of = (key: string) => problems.filter((p) => fieldKey(p.field) === key);
  const general = error !== undefined && !(error instanceof ApiError && problems.every((p) => fieldKey(p.field)));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (form === undefined) return;
    const body = {
      name: form.name.trim(),
      services: listOf(form, 'services'),
      repositories: listOf(form, 'repositories'),
    };
    setBusy(true);
    setError(undefined);
    try {
      if (form.id === undefined) await api.createTeam(body);
      else {
        // Only what changed goes; a team no longer listed gets it all (and the API says it is gone).
        const was = teams.find((t) => t.id === form.id);
        const changed: Partial<typeof body> = {};
        if (was === undefined || was.name !== body.name) changed.name = body.name;
        if (was === undefined || JSON.stringify(was.services) !== JSON.stringify(body.services))
          changed.services = body.services;
        if (was === undefined || JSON.stringify(was.repositories) !== JSON.stringify(body.repositories))
          changed.repositories = body.repositories;
        if (Object.keys(changed).length > 0) await api.updateTeam(form.id, changed);
      }
      setForm(undefined);
      setNotice(`Team “${body.name}” ${form.id === undefined ? 'created' : 'saved'}.`);
      loaded.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (t: Team) => {
    setBusy(true);
    setListError(undefined);
    try {
      await api.removeTeam(t.id);
      if (form?.id === t.id) setForm(undefined);
      setNotice(`Team “${t.name}” deleted.`);
    } catch (err) {
      setListError(err);
    } finally {
      setConfirming(undefined);
      setBusy(false);
      loaded.reload();
    }
  };

  const list = (f: Form, key: ListField, label: string, hint: string, empty: string, suggestions: string[]) => (
    <ListEditor
      name={key}
      label={label}
      hint={hint}
      empty={empty}
      values={f[key]}
      onChange={(v) => change((x) => ({ ...x, [key]: v }))}
      draft={f.drafts[key]}
      onDraft={(d) => change((x) => ({ ...x, drafts: { ...x.drafts, [key]: d } }))}
      suggestions={suggestions}
      limits={LIST_LIMITS}
      error={<FieldError name={key} problems={of(key)} />}
      invalid={of(key).length > 0}
    />
  );

  const dora = (name: string) => `/insights/dora?team=${encodeURIComponent(name)}`;
  const editing = form?.id === undefined ? undefined : teams.find((t) => t.id === form.id);

  return (
    <div className="page teams-page">
      <header className="row">
        <h1>Teams</h1>
        <button type="button" onClick={() => open(blank())} disabled={form !== undefined && form.id === undefined}>
          New team
        </button>
      </header>
      <p className="muted">
        A team is the services and repositories its work goes through. Pick it in the Team filter of the DORA, CI/CD
        health and merge request pages: DORA counts the deployments of its services and repositories, CI/CD health the
        runs of its pipelines (services) and repositories, merge requests those of its repositories.
      </p>
      {notice !== undefined && (
        <p className="notice" role="status" data-testid="teams-notice">
          {notice}
        </p>
      )}
      {form !== undefined && (
        <form className="card" onSubmit={(e) => void save(e)} noValidate aria-label="Team" data-testid="team-form">
          <h2>{form.id === undefined ? 'New team' : `Edit team “${editing?.name ?? form.name}”`}</h2>
          <label data-testid="field-name">
            Name
            <input
              name="name"
              value={form.name}
              maxLength={NAME_MAX}
              placeholder="payments"
              autoFocus
              onChange={(e) => {
                const name = e.target.value;
                change((x) => ({ ...x, name }));
              }}
              aria-invalid={of('name').length > 0 ? true : undefined}
            />
            <small className="muted">What the Team filter shows; 1 to {NAME_MAX} characters, one per team.</small>
            <FieldError name="name" problems={of('name')} />
          </label>
          <div className="profile-grid">
            {list(
              form,
              'services',
              'Services',
              'Names as the deployments show them: a webhook run’s pipeline, a Harness service, a GitLab project path. CI/CD health counts the runs of these pipelines.',
              'None: no deployment or run counts by its service.',
              union(values?.services, values?.ci_pipelines),
            )}
            {list(
              form,
              'repositories',
              'Repositories',
              'Full paths (GitLab group/project): their deployments, pipeline runs and merge requests.',
              'None: no repository.',
              values?.repositories ?? [],
            )}
          </div>
          {general && <ErrorBox error={error} />}
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Saving…' : form.id === undefined ? 'Create team' : 'Save'}
            </button>
            <button
              type="button"
              className="link"
              onClick={() => {
                setForm(undefined);
                setError(undefined);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      <ErrorBox error={listError} />
      {loaded.error !== undefined && <ErrorBox error={loaded.error} />}
      <section className="card">
        {teams.length === 0 ? (
          <p className="muted" data-testid="no-teams">
            No team yet: New team makes one.
          </p>
        ) : (
          <div className="table-wrap">
            <table data-testid="teams">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Services</th>
                  <th>Repositories</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {teams.map((t) => (
                  <tr key={t.id} data-testid="team-row" data-name={t.name}>
                    <td>
                      <strong>{t.name}</strong>
                    </td>
                    <td>
                      <Chips values={t.services} empty="none" testId="team-services" />
                    </td>
                    <td>
                      <Chips values={t.repositories} empty="none" testId="team-repositories" />
                    </td>
                    <td>
                      {confirming === t.id ? (
                        <span className="actions confirm" role="alertdialog" aria-label={`Delete ${t.name}`}>
                          <span>Delete team “{t.name}”? The data stays; the dashboards no longer offer the team.</span>
                          <button type="button" className="danger" onClick={() => void remove(t)} disabled={busy}>
                            Delete
                          </button>
                          <button type="button" className="secondary" onClick={() => setConfirming(undefined)}>
                            Cancel
                          </button>
                        </span>
                      ) : (
                        <span className="actions">
                          <a
                            href={dora(t.name)}
                            onClick={(e) => {
                              e.preventDefault();
                              navigate(dora(t.name));
                            }}
                          >
                            DORA
                          </a>
                          <button type="button" className="secondary" onClick={() => open(formOf(t))}>
                            Edit
                          </button>
                          <button
                            type="button"
                            className="secondary"
                            onClick={() => {
                              setConfirming(t.id);
                              setNotice(undefined);
                            }}
                          >
                            Delete
                          </button>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
