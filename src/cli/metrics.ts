import { parseArgs } from 'node:util';
import {
  changeFailureRate,
  deploymentFrequency,
  type Interval,
  type MetricAnswer,
  timeToRestore,
} from '../metrics/dora.js';
import { cicdHealth } from '../metrics/cicd-health.js';
import { mergeRequestFlow } from '../metrics/merge-requests.js';
import { loadProfile } from '../metrics/profile.js';
import { teamByName } from '../store/teams.js';
import { leadTime } from '../metrics/lead-time.js';
import { METRICS, type MetricName } from '../metrics/records.js';
import { checkTimeZone, parseWindow } from '../metrics/window.js';
import type { Db } from '../store/db.js';
import { getTenant } from '../store/tenants.js';
import { DEFAULT_TENANT } from './bootstrap.js';
import { CliUsageError } from './integrations.js';
import type { Runtime } from './runtime.js';

const out = (line = ''): void => void process.stdout.write(line + '\n');

const COMPUTE: Record<MetricName, (db: Db, q: Parameters<typeof deploymentFrequency>[1]) => Promise<MetricAnswer>> = {
  'deployment-frequency': deploymentFrequency,
  'lead-time-for-changes': leadTime,
  'change-failure-rate': changeFailureRate,
  'time-to-restore': timeToRestore,
};

function human(a: MetricAnswer, v: number | null): string {
  if (v === null) return '-';
  if (a.metric === 'change_failure_rate') return `${(v * 100).toFixed(1)}%`;
  if (a.metric === 'time_to_restore' || a.metric === 'lead_time_for_changes') {
    const h = v / 3_600_000;
    return h >= 48 ? `${(h / 24).toFixed(1)} d` : h >= 1 ? `${h.toFixed(1)} h` : `${(v / 60_000).toFixed(0)} min`;
  }
  return v.toFixed(2);
}

const duration = (ms: number | null): string => {
  if (ms === null) return '-';
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)} d` : h >= 1 ? `${h.toFixed(1)} h` : `${(ms / 60_000).toFixed(1)} min`;
};
const percent = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);

/** `sei metrics cicd-health|merge-requests`: the flow figures, as a summary or JSON. */
async function flowCommand(
  rt: () => Promise<Runtime>,
  name: 'cicd-health' | 'merge-requests',
  values: Record<string, string | boolean | undefined>,
): Promise<void> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const interval = str('interval') ?? 'week';
  if (!['day', 'week', 'month'].includes(interval)) throw new CliUsageError('--interval must be day, week or month.');
  const groupBy = str('group-by') ?? 'pipeline';
  if (groupBy !== 'pipeline' && groupBy !== 'branch') throw new CliUsageError('--group-by must be pipeline or branch.');
  const kind = str('kind');
  if (kind !== undefined && kind !== 'ci' && kind !== 'cd') throw new CliUsageError('--kind must be ci or cd.');
  const timeZone = checkTimeZone(str('time-zone') ?? 'UTC');
  const tenant = str('tenant') ?? DEFAULT_TENANT;
  const r = await rt();
  try {
    await getTenant(r.db, tenant);
    const { from, to } = parseWindow({ from: str('from'), to: str('to') }, timeZone, Date.now());
    const base = { tenantId: tenant, from, to, timeZone, interval: interval as Interval };
    const team = str('team') === undefined ? undefined : await teamByName(r.db, tenant, str('team')!);
    if (name === 'cicd-health') {
      const filters = Object.fromEntries(
        (['source', 'pipeline', 'branch', 'kind', 'team'] as const)
          .filter((k) => str(k) !== undefined)
          .map((k) => [k, str(k)]),
      );
      const h = await cicdHealth(r.db, { ...base, groupBy, filters, ...(team === undefined ? {} : { team }) });
      if (values['json'] === true) return out(JSON.stringify(h, null, 2));
      const t = h.totals;
      out(
        `CI/CD health: ${t.runs} runs, ${percent(t.success_rate)} passed, duration p50 ${duration(t.duration_p50_ms)}, p90 ${duration(t.duration_p90_ms)}`,
      );
      out(`flaky: ${h.flaky.commits} commit(s) failed then passed (${h.flaky.failed_runs} failed runs)`);
      out();
      out(
        `${groupBy.padEnd(40)} ${'runs'.padStart(7)} ${'passed'.padStart(7)} ${'p50'.padStart(9)} ${'p90'.padStart(9)}`,
      );
      for (const row of h.by.rows) {
        out(
          `${(row.key ?? '-').slice(0, 40).padEnd(40)} ${String(row.runs).padStart(7)} ${percent(row.success_rate).padStart(7)} ` +
            `${duration(row.duration_p50_ms).padStart(9)} ${duration(row.duration_p90_ms).padStart(9)}`,
        );
      }
      return;
    }
    const f = {
      ...(str('repo') === undefined ? {} : { repo: str('repo')! }),
      ...(str('author') === undefined ? {} : { author: str('author')! }),
      ...(team === undefined ? {} : { team: team.name, repositories: team.repositories }),
    };
    const m = await mergeRequestFlow(r.db, { ...base, filters: {}, profile: await loadProfile(r.db, tenant) }, f);
    if (values['json'] === true) return out(JSON.stringify(m, null, 2));
    out(`merge requests: ${m.merged} merged, ${m.open_at_end} open at the end of the window`);
    out(`${'stage'.padEnd(16)} ${'p50'.padStart(9)} ${'p90'.padStart(9)} ${'count'.padStart(6)}`);
    for (const [stage, v] of Object.entries(m.stages)) {
      out(
        `${stage.padEnd(16)} ${duration(v.p50_ms).padStart(9)} ${duration(v.p90_ms).padStart(9)} ${String(v.count).padStart(6)}`,
      );
    }
  } finally {
    await r.close();
  }
}

/** `sei metrics <name> [--from --to --time-zone --interval --source --pipeline --service --environment --team] [--json]`. */
export async function metricsCommand(rt: () => Promise<Runtime>, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tenant: { type: 'string', default: DEFAULT_TENANT },
      from: { type: 'string' },
      to: { type: 'string' },
      'time-zone': { type: 'string', default: 'UTC' },
      interval: { type: 'string', default: 'week' },
      source: { type: 'string' },
      pipeline: { type: 'string' },
      service: { type: 'string' },
      environment: { type: 'string' },
      branch: { type: 'string' },
      kind: { type: 'string' },
      'group-by': { type: 'string', default: 'pipeline' },
      repo: { type: 'string' },
      author: { type: 'string' },
      team: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const first = positionals[0];
  if (first === 'cicd-health' || first === 'merge-requests') return flowCommand(rt, first, values);
  const name = first as MetricName | undefined;
  if (name === undefined || !METRICS.includes(name)) {
    throw new CliUsageError(`metrics needs one of ${[...METRICS, 'cicd-health', 'merge-requests'].join(', ')}.`);
  }
  if (!['day', 'week', 'month'].includes(values.interval))
    throw new CliUsageError('--interval must be day, week or month.');
  const timeZone = checkTimeZone(values['time-zone']);
  const r = await rt();
  try {
    await getTenant(r.db, values.tenant);
    const { from, to } = parseWindow({ from: values.from, to: values.to }, timeZone, Date.now());
    const filters = Object.fromEntries(
      (['source', 'pipeline', 'service', 'environment', 'team'] as const)
        .filter((k) => values[k] !== undefined)
        .map((k) => [k, values[k]]),
    );
    const team = values.team === undefined ? undefined : await teamByName(r.db, values.tenant, values.team);
    const answer = await COMPUTE[name](r.db, {
      tenantId: values.tenant,
      from,
      to,
      timeZone,
      interval: values.interval as Interval,
      filters,
      profile: await loadProfile(r.db, values.tenant),
      ...(team === undefined ? {} : { team }),
    });
    if (values.json) {
      out(JSON.stringify(answer, null, 2));
      return;
    }
    out(`${answer.metric.replace(/_/g, ' ')}: ${human(answer, answer.value)} (${answer.unit})`);
    out(`band:   ${answer.band === null ? '-' : `${answer.band.name} (${answer.band.source})`}`);
    out(`based on ${answer.count} record(s), ${from.toISOString()} to ${to.toISOString()}, ${timeZone}`);
    for (const [k, v] of Object.entries(answer.details))
      out(`  ${k}: ${typeof v === 'number' ? Number(v.toFixed(4)) : String(v)}`);
    out();
    out(`${answer.interval.padEnd(12)} ${'value'.padStart(10)} ${'count'.padStart(6)}`);
    for (const p of answer.series)
      out(`${p.bucket.padEnd(12)} ${human(answer, p.value).padStart(10)} ${String(p.count).padStart(6)}`);
  } finally {
    await r.close();
  }
}
