import { parseArgs } from 'node:util';
import type { ValidationReport } from '../connectors/connector.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import { getTenant } from '../store/tenants.js';
import { getJob } from '../sync/jobs.js';
import type { SyncWorker } from '../sync/worker.js';
import { DEFAULT_TENANT } from './bootstrap.js';
import { composeServices } from './compose.js';
import { ProgressLine } from './progress.js';
import type { Runtime } from './runtime.js';

export class CliUsageError extends Error {}

const out = (line: string): void => void process.stdout.write(line + '\n');

const services = composeServices;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** `--api-key x` → settings.api_key; `-` reads the value from stdin so a secret stays out of `ps`. */
async function settingsFromFlags(registry: IntegrationRegistry, type: string, args: string[]) {
  const spec = registry.get(type);
  if (spec === undefined)
    throw new CliUsageError(`Unknown integration type "${type}": use ${[...registry.keys()].join(', ')}.`);
  const keys = Object.keys(spec.settings.properties);
  const options: Record<string, { type: 'string' }> = {
    name: { type: 'string' },
    description: { type: 'string' },
    tags: { type: 'string' },
    tenant: { type: 'string' },
  };
  for (const k of keys) options[k.replace(/_/g, '-')] = { type: 'string' };
  const { values } = parseArgs({ args, options, allowPositionals: false });
  const settings: Record<string, unknown> = {};
  for (const k of keys) {
    let v = values[k.replace(/_/g, '-')] as string | undefined;
    if (v === undefined) continue;
    if (v === '-') v = await readStdin();
    const prop = spec.settings.properties[k] as { type?: string };
    settings[k] = prop.type === 'integer' && /^\d+$/.test(v) ? Number(v) : v;
  }
  if (values['name'] === undefined) throw new CliUsageError('--name is required.');
  return {
    tenant: (values['tenant'] as string | undefined) ?? DEFAULT_TENANT,
    input: {
      type,
      name: values['name'] as string,
      description: (values['description'] as string | undefined) ?? '',
      tags: ((values['tags'] as string | undefined) ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      settings,
    },
  };
}

export function printReport(report: ValidationReport): void {
  for (const c of report.checks)
    out(`  ${c.status === 'passed' ? 'PASS' : c.status === 'failed' ? 'FAIL' : 'skip'}  ${c.label}: ${c.message}`);
  out(`${report.outcome === 'ok' ? 'OK' : report.outcome}: ${report.message}`);
}

/**
 * Runs a queued sync job in this process with a progress line, then prints each stream's outcome
 * (`sei sync`, `sei demo`); answers the job's final status.
 */
export async function runJobWithProgress(
  rt: Runtime,
  worker: SyncWorker,
  tenant: string,
  jobId: string,
  title: string,
): Promise<string> {
  const line = new ProgressLine();
  const started = performance.now();
  let finished = false;
  const poll = async (): Promise<void> => {
    while (!finished) {
      const j = await getJob(rt.db, tenant, jobId);
      const p = j.progress as { stream?: string; label?: string; done?: number; total?: number };
      const records = j.streams.reduce((n, s) => n + s.records, 0);
      const pages = j.streams.reduce((n, s) => n + s.pages, 0);
      const bar = p.total === undefined ? '' : `${ProgressLine.bar(p.done ?? 0, p.total)} `;
      if (!finished)
        line.update(`${bar}${p.stream ?? 'starting'} ${p.label ?? ''} · ${records} records · ${pages} pages`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const polling = poll();
  let status: string;
  try {
    status = (await worker.runQueued(tenant, jobId)) ?? (await getJob(rt.db, tenant, jobId)).status;
  } finally {
    finished = true;
    await polling;
  }
  const done = await getJob(rt.db, tenant, jobId);
  line.done(`${title} ${done.id} ${status} in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  for (const s of done.streams) {
    out(
      `  ${s.stream.padEnd(16)} ${s.status.padEnd(10)} ${String(s.records).padStart(8)} records ${String(s.pages).padStart(6)} pages${s.error === null ? '' : `  ${s.error.code}: ${s.error.message}`}`,
    );
  }
  return status;
}

async function runSync(rt: Runtime, tenant: string, id: string, full: boolean): Promise<string> {
  const { sync, worker } = services(rt);
  const { job } = await sync.requestSync(tenant, id, full ? 'full' : 'incremental', 'cli');
  return runJobWithProgress(rt, worker, tenant, job.id, 'Sync');
}

/** `sei integrations add|list`, `sei validate <id>`, `sei sync <id>`. */
export async function integrationsCommand(rt: () => Promise<Runtime>, command: string, args: string[]): Promise<void> {
  const withRt = async <T>(fn: (r: Runtime) => Promise<T>): Promise<T> => {
    const r = await rt();
    try {
      return await fn(r);
    } finally {
      await r.close();
    }
  };
  if (command === 'validate' || command === 'sync' || command === 'replay') {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { tenant: { type: 'string', default: DEFAULT_TENANT }, full: { type: 'boolean', default: false } },
    });
    const id = positionals[0];
    if (id === undefined)
      throw new CliUsageError(`${command} needs an integration id (see \`sei integrations list\`).`);
    await withRt(async (r) => {
      if (command === 'replay') {
        const res = await services(r).sync.replay(values.tenant, id);
        out(
          `Replayed ${res.records} raw records into ${res.runs} runs` +
            (res.repos > 0
              ? `, ${res.repos} repositories, ${res.commits} commits and ${res.merge_requests} merge requests.`
              : '.'),
        );
      } else if (command === 'validate') {
        const report = await services(r).sync.validateIntegration(values.tenant, id);
        printReport(report);
        if (report.outcome !== 'ok') process.exitCode = 1;
      } else {
        const status = await runSync(r, values.tenant, id, values.full);
        if (status !== 'succeeded') process.exitCode = 1;
      }
    });
    return;
  }
  const [sub, ...rest] = args;
  if (sub === 'add') {
    const [type, ...flags] = rest;
    if (type === undefined)
      throw new CliUsageError('integrations add needs a type, e.g. `sei integrations add harnessng --name ...`.');
    await withRt(async (r) => {
      const s = services(r);
      const { tenant, input } = await settingsFromFlags(s.registry, type, flags);
      await getTenant(r.db, tenant).catch(() => {
        throw new CliUsageError(
          `No tenant "${tenant}": \`sei serve\` makes the default tenant on its first start, ` +
            '`sei tenants create <id>` makes another (pass it with --tenant).',
        );
      });
      const created = await s.integrations.create(r.db, tenant, input);
      out(`Installed ${created.type} integration "${created.name}" with id ${created.id}.`);
      if (s.connectors.has(type)) {
        printReport(await s.sync.validateIntegration(tenant, created.id));
        out(
          `Sync it now with \`sei sync ${created.id}\`; the server also syncs it every ${created.sync_interval_minutes} minutes.`,
        );
      }
      out(created.id);
    });
    return;
  }
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { tenant: { type: 'string', default: DEFAULT_TENANT } } });
    await withRt(async (r) => {
      for (const i of await services(r).integrations.list(r.db, values.tenant))
        out(`${i.id.padStart(4)}  ${i.type.padEnd(10)} ${i.name}`);
    });
    return;
  }
  throw new CliUsageError(`Unknown integrations command "${sub ?? ''}": use add or list.`);
}
