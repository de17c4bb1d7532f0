import { useState, type FormEvent } from 'react';
import type { Api } from '../api';
import { ErrorBox } from '../components/error-box';
import { useLoad } from '../components/use-load';
import { setQuery, type Location } from '../router';
import type { Instance } from '../types';

/** The curl command of the source documents, with this server's address, the GUID and (when known) the key. */
export function curlCommand(base: string, guid: string, key: string | null): string {
  const run = {
    job_name: 'build-web',
    instance_guid: guid,
    instance_name: 'Jenkins-1',
    job_full_name: 'folder/build-web',
    job_normalized_full_name: 'folder/build-web',
    result: 'SUCCESS',
    user_id: 'alice',
    repo_url: 'https://git.example.com/web.git',
    start_time: 1711603545000,
    duration: 780000,
    build_number: 42,
    branch_name: 'main',
    project_name: 'Project-A',
    execution_id: 'web-42',
    scm_commit_ids: ['64be72b2c1f7d2a33082f98a40a848880fcdcd5e'],
    cd: true,
  };
  const auth = key === null ? 'ApiKey $SEI_KEY' : `ApiKey ${key}`;
  return [
    ...(key === null ? ["export SEI_KEY='<your API key>'   # an admin or ingestion key", ''] : []),
    `curl --location '${base}/v1/custom-cicd' \\`,
    `  --header "Authorization: ${auth}" \\`,
    `  --header 'Content-Type: application/json' \\`,
    `  --data-raw '${JSON.stringify(run, null, 2)}'`,
  ].join('\n');
}

function InstanceCard({ instance, keyText }: { instance: Instance; keyText: string | null }) {
  const [copied, setCopied] = useState(false);
  const cmd = curlCommand(window.location.origin, instance.id, keyText);
  const copy = async () => {
    await navigator.clipboard.writeText(cmd);
    setCopied(true);
  };
  return (
    <li className="card" data-testid={`instance-${instance.id}`}>
      <h3>{instance.name}</h3>
      <p>
        Instance GUID: <code data-testid="guid">{instance.id}</code> <span className="muted">({instance.type})</span>
      </p>
      <pre className="curl" data-testid="curl">
        {cmd}
      </pre>
      <button type="button" className="secondary" onClick={() => void copy().catch(() => setCopied(false))}>
        {copied ? 'Copied' : 'Copy command'}
      </button>
    </li>
  );
}

/**
 * Custom CI/CD: the instances (GUIDs) of a Custom CI/CD integration and a ready curl command for each. The
 * server never answers a key twice, so the command says $SEI_KEY unless the person makes an ingestion key
 * here (shown once) or pastes one; either is kept in this page's memory only and is gone on reload.
 */
export function CustomCicdPage({ api, loc }: { api: Api; loc: Location }) {
  const integrations = useLoad(() => api.integrations(), 'integrations');
  const custom = (integrations.data?.integrations ?? []).filter((i) => i.type === 'custom');
  const selected = loc.query.get('integration') ?? custom[0]?.id;
  const instances = useLoad(
    () => (selected === undefined ? Promise.resolve({ instances: [] }) : api.instances(selected)),
    `instances:${selected ?? ''}`,
  );
  const [name, setName] = useState('Custom CI/CD Integration');
  const [tool, setTool] = useState('jenkins');
  const [keyText, setKeyText] = useState('');
  const [madeKey, setMadeKey] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    if (selected === undefined) return;
    setError(undefined);
    try {
      await api.createInstance({ integration_id: selected, name, type: tool });
      instances.reload();
    } catch (err) {
      setError(err);
    }
  };
  const makeKey = async () => {
    setError(undefined);
    try {
      const made = await api.createKey(`ingestion (web, ${new Date().toISOString().slice(0, 10)})`, 'ingestion');
      setMadeKey(made.key);
      setKeyText(made.key);
    } catch (err) {
      setError(err);
    }
  };
  const key = keyText.trim() === '' ? null : keyText.trim();

  return (
    <div className="page">
      <h1>Custom CI/CD</h1>
      <p className="muted">
        Any CI/CD server posts its runs to <code>POST /v1/custom-cicd</code> with an instance GUID. Install a Custom
        CI/CD integration on the Integrations page, make an instance here, and paste the command into your pipeline.
      </p>
      <ErrorBox error={integrations.error} />
      {integrations.data !== undefined && custom.length === 0 && (
        <p>No Custom CI/CD integration yet: install one on the Integrations page.</p>
      )}
      {custom.length > 0 && (
        <>
          <label>
            Integration{' '}
            <select value={selected} onChange={(e) => setQuery({ integration: e.target.value })}>
              {custom.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name} (id {i.id})
                </option>
              ))}
            </select>
          </label>
          <form className="card inline" onSubmit={(e) => void create(e)}>
            <h3>New instance</h3>
            <label>
              Name
              <input name="instance-name" value={name} onChange={(e) => setName(e.target.value)} required />
            </label>
            <label>
              Tool
              <input name="instance-type" value={tool} onChange={(e) => setTool(e.target.value)} required />
            </label>
            <button type="submit">Make instance</button>
          </form>
          <div className="card">
            <h3>Key in the command</h3>
            <p className="muted">
              Keys are shown once and never stored in this browser. Make an ingestion key (it can only send runs) or
              paste one; it stays in this page until you leave it.
            </p>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => void makeKey()}>
                Make an ingestion key
              </button>
              <input
                type="password"
                aria-label="API key for the command"
                placeholder="or paste a key: sei_…"
                autoComplete="off"
                value={keyText}
                onChange={(e) => setKeyText(e.target.value)}
              />
            </div>
            {madeKey !== null && (
              <p className="notice">
                New ingestion key (copy it now; it will not be shown again): <code>{madeKey}</code>
              </p>
            )}
          </div>
          <ErrorBox error={error ?? instances.error} />
          <ul className="instances">
            {(instances.data?.instances ?? []).map((i) => (
              <InstanceCard key={i.id} instance={i} keyText={key} />
            ))}
          </ul>
          {instances.data?.instances.length === 0 && <p className="muted">No instance yet: make one above.</p>}
        </>
      )}
    </div>
  );
}
