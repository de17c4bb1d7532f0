import { ago, dateTime } from '../format';
import type { Freshness } from '../types';

/** "Data as of ...": when the newest data behind a widget reached OpenSEI, and when the figure was computed. */
export function FreshnessLine({ freshness, computedAt }: { freshness: Freshness | undefined; computedAt: number }) {
  const asOf = freshness?.as_of ?? null;
  return (
    <p className="freshness" data-testid="freshness">
      Data as of {asOf === null ? 'never (nothing synced or received yet)' : `${dateTime(asOf)} (${ago(asOf)})`}
      {' · '}computed {dateTime(new Date(computedAt).toISOString())}
    </p>
  );
}
