import type { KeyboardEvent, ReactNode } from 'react';

/** The limits of a list of names, as the API's schema gives them. */
export interface ListLimits {
  maxItems?: number;
  maxLength?: number;
}

/**
 * A list of names: each shown with a remove button, one more typed (with suggestions, any text accepted) and
 * added with Enter or Add. What is typed but not added yet belongs to the form (`draft`), so it is not lost.
 */
export function ListEditor({
  name,
  label,
  hint,
  values,
  onChange,
  draft,
  onDraft,
  suggestions = [],
  limits = {},
  empty,
  error,
  invalid = false,
}: {
  name: string;
  label: string;
  hint?: string;
  values: string[];
  onChange: (values: string[]) => void;
  draft: string;
  onDraft: (draft: string) => void;
  suggestions?: string[];
  limits?: ListLimits;
  /** What an empty list means. */
  empty: string;
  /** Shown under the list: the API's word on it. */
  error?: ReactNode;
  /** The API said this list is wrong. */
  invalid?: boolean;
}) {
  const full = limits.maxItems !== undefined && values.length >= limits.maxItems;
  const add = () => {
    const v = draft.trim();
    if (v !== '' && !values.includes(v) && !full) onChange([...values, v]);
    onDraft('');
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  };
  const offered = suggestions.filter((s) => !values.includes(s));
  return (
    <fieldset className="list-editor" data-testid={`field-${name}`} aria-invalid={invalid ? true : undefined}>
      <legend>{label}</legend>
      {hint !== undefined && <p className="muted hint">{hint}</p>}
      {values.length === 0 ? (
        <p className="muted empty">{empty}</p>
      ) : (
        <ul className="chips">
          {values.map((v) => (
            <li key={v} className="chip" data-value={v}>
              <span>{v}</span>
              <button
                type="button"
                className="remove"
                aria-label={`Remove ${v} from ${label}`}
                onClick={() => onChange(values.filter((x) => x !== v))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="add-row">
        <input
          name={name}
          aria-label={`Add to ${label}`}
          value={draft}
          maxLength={limits.maxLength}
          list={offered.length === 0 ? undefined : `suggest-${name}`}
          placeholder={full ? `at most ${limits.maxItems}` : 'type or pick, then Add'}
          disabled={full}
          onChange={(e) => onDraft(e.target.value)}
          onKeyDown={onKey}
        />
        {offered.length > 0 && (
          <datalist id={`suggest-${name}`}>
            {offered.map((o) => (
              <option key={o} value={o} />
            ))}
          </datalist>
        )}
        <button type="button" className="secondary" onClick={add} disabled={full || draft.trim() === ''}>
          Add
        </button>
      </div>
      {error}
    </fieldset>
  );
}
