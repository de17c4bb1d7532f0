import type { Api } from '../api';
import { setQuery, type Location } from '../router';
import { useLoad } from './use-load';

/** The tenant's team names for the team filter; `names` is undefined until they are in. */
export interface TeamChoices {
  names: string[] | undefined;
  error: Error | undefined;
}

/** The team names (GET /v1/teams), read when a page opens. */
export function useTeams(api: Api): TeamChoices {
  const loaded = useLoad(async () => (await api.teams()).teams.map((t) => t.name), 'teams');
  return { names: loaded.data, error: loaded.error };
}

/**
 * The team filter: "All teams" or one of the tenant's teams, kept in the URL as `team` (the metrics take
 * `team=<name>`). A team in the URL that is not (or no longer) a team stays selected, marked, and the API's
 * answer says so.
 */
export function TeamSelect({ loc, teams }: { loc: Location; teams: TeamChoices }) {
  const current = loc.query.get('team') ?? '';
  const names = teams.names ?? [];
  const stray = current !== '' && !names.includes(current);
  return (
    <label>
      Team
      <select
        name="team"
        data-testid="team-filter"
        value={current}
        title={teams.error === undefined ? undefined : `The teams could not be read: ${teams.error.message}`}
        // A new filter starts the records from the top.
        onChange={(e) => setQuery({ team: e.target.value, offset: undefined })}
      >
        <option value="">All teams</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
        {stray && <option value={current}>{teams.names === undefined ? current : `${current} (no such team)`}</option>}
      </select>
    </label>
  );
}
