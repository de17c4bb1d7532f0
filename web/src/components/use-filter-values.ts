import type { Api } from '../api';
import type { FilterValues } from '../types';
import { useLoad } from './use-load';

/**
 * The values the dashboards filter on (GET /v1/metrics/filter-values), for the filters' suggestions. Read when
 * a page opens; until they are in, or if they cannot be read, the filters take free text alone.
 */
export function useFilterValues(api: Api): FilterValues | undefined {
  return useLoad(() => api.filterValues(), 'filter-values').data;
}
