import { ApiError } from '../api';

/** An error as the server worded it, with its code and the field it is about. */
export function ErrorBox({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const e = error as Error;
  return (
    <div className="error" role="alert">
      {e.message}
      {e instanceof ApiError && (
        <span className="muted">
          {' '}
          ({e.code}
          {e.field === undefined ? '' : `, field ${e.field}`})
        </span>
      )}
    </div>
  );
}
