import { parseArgs } from 'node:util';
import {
  changeFailureRate,
  deploymentFrequency,
  type Interval,
  type MetricAnswer,
  timeToRestore,
} from '../metrics/dora.js';
import { loadProfile } from '../metrics/profile.js';
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

/** `sei metrics <name> [--from --to --time-zone --interval --source --pipeline --service --environment] [--json]`. */
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
      json: { type: 'boolean', default: false },
    },
  });
  const name = positionals[0] as MetricName | undefined;
  if (name === undefined || !METRICS.includes(name)) {
    throw new CliUsageError(`metrics needs one of ${METRICS.join(', ')}.`);
  }
  if (!['day', 'week', 'month'].includes(values.interval))
    throw new CliUsageError('--interval must be day, week or month.');
  const timeZone = checkTimeZone(values['time-zone']);
  const r = await rt();
  try {
    await getTenant(r.db, values.tenant);
    const { from, to } = parseWindow({ from: values.from, to: values.to }, timeZone, Date.now());
    const filters = Object.fromEntries(
      (['source', 'pipeline', 'service', 'environment'] as const)
        .filter((k) => values[k] !== undefined)
        .map((k) => [k, values[k]]),
    );
    const answer = await COMPUTE[name](r.db, {
      tenantId: values.tenant,
      from,
      to,
      timeZone,
      interval: values.interval as Interval,
      filters,
      profile: await loadProfile(r.db, values.tenant),
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
