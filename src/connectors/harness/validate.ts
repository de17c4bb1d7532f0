import { UpstreamError } from '../../http/errors.js';
import { CheckFailed, type CheckStep, runChecks } from '../checks.js';
import type { ConnectorContext, ValidationReport } from '../connector.js';
import { HarnessApi, type HarnessOrg } from './api.js';
import { resolveScope, ScopeError } from './scope.js';
import type { HarnessSettings } from './spec.js';

const STEPS: readonly CheckStep[] = [
  { id: 'credentials', label: 'API key accepted' },
  { id: 'organizations', label: 'Organizations readable' },
  { id: 'projects', label: 'Projects readable' },
  { id: 'executions', label: 'Pipeline executions readable' },
];

/** Maps an upstream failure to the documented outcomes, with Harness's own words. */
function fromUpstream(err: unknown, what: string): CheckFailed {
  if (!(err instanceof UpstreamError)) throw err;
  const says = err.upstreamMessage === undefined ? '' : ` Harness says: "${err.upstreamMessage}"`;
  switch (err.code) {
    case 'upstream_unauthorized':
      return new CheckFailed('invalid_credentials', `Harness refused the API key.${says}`);
    case 'upstream_forbidden':
      return new CheckFailed('invalid_permissions', `The API key may not ${what}.${says}`);
    default:
      return new CheckFailed('unreachable', `Could not ${what}: ${err.message}`);
  }
}

/** Validate Connection: key, organizations, projects and executions, each passed or failed in a sentence. */
export async function validateHarness(ctx: ConnectorContext<HarnessSettings>): Promise<ValidationReport> {
  const api = new HarnessApi(ctx.settings, ctx);
  return runChecks(STEPS, async (pass) => {
    let orgs: HarnessOrg[];
    try {
      orgs = await api.orgs();
    } catch (err) {
      throw fromUpstream(err, 'list organizations (it needs read and list on organizations)');
    }
    pass(0, 'Harness accepted the API key.');
    pass(1, `The key sees ${orgs.length} organization(s).`);
    const scope = await resolveScope(api, ctx.settings, orgs).catch((err: unknown) => {
      if (err instanceof ScopeError) throw new CheckFailed('no_resources', err.message);
      throw fromUpstream(err, 'list projects (it needs read and list on projects)');
    });
    pass(
      2,
      `${scope.length} project(s) in scope: ${scope
        .slice(0, 5)
        .map((p) => `${p.org}/${p.project}`)
        .join(', ')}${scope.length > 5 ? ', …' : ''}.`,
    );
    const first = scope[0]!;
    try {
      await api.executionPage(api.summaryRequest(first.org, first.project, 0, 1, {}));
    } catch (err) {
      throw fromUpstream(
        err,
        `read pipeline executions of ${first.org}/${first.project} (it needs core_pipeline_view)`,
      );
    }
    pass(3, `Pipeline executions of ${first.org}/${first.project} can be read.`);
  });
}
