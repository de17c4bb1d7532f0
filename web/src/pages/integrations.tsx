import { useState } from 'react';
import type { Api } from '../api';
import { ErrorBox } from '../components/error-box';
import { useLoad } from '../components/use-load';
import { navigate } from '../router';
import type { Integration, IntegrationType } from '../types';
import { InstallForm } from './install-form';
import { IntegrationRow } from './integration-row';

/** The catalogue of integration types, their install forms, and "Your Integrations". */
export function IntegrationsPage({ api }: { api: Api }) {
  const types = useLoad(() => api.integrationTypes(), 'types');
  const mine = useLoad(() => api.integrations(), 'mine');
  const [installing, setInstalling] = useState<IntegrationType | null>(null);
  const [installed, setInstalled] = useState<Integration | null>(null);
  const labels = new Map((types.data?.types ?? []).map((t) => [t.type, t.label]));
  const secrets = new Map((types.data?.types ?? []).map((t) => [t.type, t.secret_fields]));

  const done = (i: Integration) => {
    setInstalling(null);
    setInstalled(i);
    if (i.type === 'custom') navigate(`/custom-cicd?integration=${encodeURIComponent(i.id)}`);
    else mine.reload();
  };

  return (
    <div className="page">
      <h1>Integrations</h1>
      <section>
        <h2>Available integrations</h2>
        <ErrorBox error={types.error} />
        <ul className="catalogue">
          {(types.data?.types ?? []).map((t) => (
            <li key={t.type} className="card" data-testid={`type-${t.type}`}>
              <h3>{t.label}</h3>
              <p className="muted">{t.description}</p>
              <button type="button" onClick={() => setInstalling(t)} disabled={installing?.type === t.type}>
                Install
              </button>
            </li>
          ))}
        </ul>
        {installing !== null && (
          <InstallForm
            key={installing.type}
            api={api}
            type={installing}
            onInstalled={done}
            onCancel={() => setInstalling(null)}
          />
        )}
        {installed !== null && (
          <p className="notice" role="status">
            Installed “{installed.name}” (id {installed.id}).
            {installed.type !== 'custom' && ' Press Sync now to read its data.'}
          </p>
        )}
      </section>
      <section>
        <h2>Your Integrations</h2>
        <ErrorBox error={mine.error} />
        {mine.data?.integrations.length === 0 && <p className="muted">None yet: install one above.</p>}
        <ul className="integrations">
          {(mine.data?.integrations ?? []).map((i) => (
            <IntegrationRow
              key={i.id}
              api={api}
              integration={i}
              label={labels.get(i.type) ?? i.type}
              secretFields={secrets.get(i.type) ?? []}
            />
          ))}
        </ul>
      </section>
    </div>
  );
}
