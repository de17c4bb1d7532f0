import type { ServerProcess } from './server-process.js';

/** A custom CI/CD integration and instance on a bench server, and an ingestion key as a CI server would hold. */
export async function setUpIngest(server: ServerProcess): Promise<{ guid: string; key: string }> {
  const call = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `ApiKey ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const integration = await call('/v1/integrations', { type: 'custom', name: 'bench-ci' });
  const instance = await call('/v1/cicd/instances', {
    integration_id: integration['id'],
    name: 'Jenkins-bench',
    type: 'jenkins',
  });
  // CI servers get an ingestion key, not an admin key.
  const key = await call('/v1/keys', { name: 'bench ci', role: 'ingestion' });
  return { guid: String(instance['id']), key: String(key['key']) };
}
