import type { Connector } from '../connector.js';
import { collectHarness } from './collect.js';
import { normalizeHarness } from './normalize.js';
import { HARNESS_TYPE, type HarnessSettings } from './spec.js';
import { validateHarness } from './validate.js';

/** Harness NG: organizations, projects and pipeline executions. */
export const harnessConnector: Connector<HarnessSettings> = Object.freeze({
  spec: HARNESS_TYPE,
  streams: [
    { name: 'organizations', description: 'Organizations the key can see' },
    { name: 'projects', description: 'Projects in scope' },
    { name: 'executions', description: 'Pipeline executions (CI and CD), revisited until final' },
  ],
  validate: validateHarness,
  collect: collectHarness,
  normalize: normalizeHarness,
});
