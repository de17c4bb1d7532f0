// Reading a status history at the fake's clock, and GitLab's `detailed_status` objects.

import { deriveSeed } from '../common/prng.js';
import type { Transition } from './model.js';

export const FINAL = new Set(['success', 'failed', 'canceled', 'skipped']);

/** The last transition at or before `t`, or undefined when the thing does not exist yet. */
export function transitionAt(transitions: readonly Transition[], t: number): Transition | undefined {
  let found: Transition | undefined;
  for (const x of transitions) {
    if (x.at > t) break;
    found = x;
  }
  return found;
}

export function statusAt(transitions: readonly Transition[], t: number): string {
  return transitionAt(transitions, t)?.status ?? 'created';
}

/** When the status history first reached `status`, if it has by `t`. */
export function firstAt(transitions: readonly Transition[], status: string, t: number): number | null {
  for (const x of transitions) {
    if (x.at > t) return null;
    if (x.status === status) return x.at;
  }
  return null;
}

/** Time spent in `status` up to `t`, in ms. */
export function timeIn(transitions: readonly Transition[], status: string, t: number): number {
  let total = 0;
  transitions.forEach((x, i) => {
    if (x.status !== status || x.at > t) return;
    total += Math.min(transitions[i + 1]?.at ?? t, t) - x.at;
  });
  return total;
}

const TEXT: Record<string, [icon: string, text: string, label: string]> = {
  success: ['status_success', 'Passed', 'passed'],
  failed: ['status_failed', 'Failed', 'failed'],
  running: ['status_running', 'Running', 'running'],
  pending: ['status_pending', 'Pending', 'pending'],
  created: ['status_created', 'Created', 'created'],
  canceled: ['status_canceled', 'Canceled', 'canceled'],
  skipped: ['status_skipped', 'Skipped', 'skipped'],
  manual: ['status_manual', 'Manual', 'manual action'],
};

/** Favicon fingerprints; success and failed are the ones gitlab.com served in the recorded payloads. */
const FAVICON: Record<string, string> = {
  success: '8451333011eee8ce9f2ab25dc487fe24a8758c694827a582f17f42b0a90446a2',
  failed: '41304d7f7e3828808b0c26771f0309e55296819a9beea3ea9fbf6689d9857c12',
};

export function detailedStatus(status: string, warnings: boolean, detailsPath: string): Record<string, unknown> {
  const [icon, text, label] = TEXT[status] ?? TEXT.created ?? ['status_created', 'Created', 'created'];
  const warn = status === 'success' && warnings;
  const fingerprint =
    FAVICON[status] ?? [...'01234567'].map((i) => deriveSeed(0, status, i).toString(16).padStart(8, '0')).join('');
  return {
    icon: warn ? 'status_warning' : icon,
    text: warn ? 'Warning' : text,
    label: warn ? 'passed with warnings' : label,
    group: warn ? 'success-with-warnings' : status,
    tooltip: label,
    has_details: false,
    details_path: detailsPath,
    illustration: null,
    favicon: `/assets/ci_favicons/favicon_status_${status}-${fingerprint}.png`,
  };
}
