import { type Static, Type, type TSchema } from '@sinclair/typebox';

// Field shapes follow the document's table; where scripts for the original product send strings
// for numbers (its JSON binding coerced them), digit strings are accepted too.
const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Text = (maxLength = 4096, description?: string) =>
  Type.String({ maxLength, ...(description === undefined ? {} : { description }) });
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 1024, description });
const Whole = (description: string, maximum = Number.MAX_SAFE_INTEGER) =>
  Type.Unsafe<number | string>({
    type: ['integer', 'string'],
    minimum: 0,
    maximum,
    pattern: '^[0-9]{1,16}$',
    description,
    'x-message': `must be a whole number from 0 to ${maximum} (or a string of digits)`,
  });
const Amount = (description: string) =>
  Type.Unsafe<number | string>({
    type: ['number', 'string'],
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    pattern: '^[0-9]{1,16}(\\.[0-9]+)?$',
    description,
    'x-message': 'must be a number of milliseconds, 0 or more (or a string of digits)',
  });
/** Latest representable instant is 9999-12-31. */
const MAX_EPOCH_MS = 253_402_300_799_999;

export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const stepFields = {
  displayName: Name('Step or stage name.'),
  displayDescription: Type.Optional(nullable(Text())),
  result: Type.Optional(nullable(Text(64))),
  state: Type.Optional(nullable(Text(64))),
  durationInMillis: Type.Optional(nullable(Amount('Duration in milliseconds.'))),
};

export const StepSchema = Type.Object(stepFields, { additionalProperties: true });

export const StageSchema = Type.Object(
  { ...stepFields, steps: Type.Optional(nullable(Type.Array(StepSchema, { maxItems: 1000 }))) },
  { additionalProperties: true },
);

export const ArtifactSchema = Type.Object(
  {
    input: Type.Optional(nullable(Type.Boolean())),
    output: Type.Optional(nullable(Type.Boolean())),
    type: Type.Optional(nullable(Text(256))),
    location: Type.Optional(nullable(Text())),
    name: Type.Optional(nullable(Text(1024))),
    qualifier: Type.Optional(nullable(Text(1024))),
    hash: Type.Optional(nullable(Text(1024))),
    metadata: Type.Optional(nullable(Type.Record(Type.String(), Type.Unknown()))),
  },
  { additionalProperties: true },
);

export const ParamSchema = Type.Object(
  {
    type: Type.Optional(nullable(Text(256))),
    name: Name('Parameter name.'),
    value: Type.Optional(nullable(Type.Union([Text(65536), Type.Number(), Type.Boolean()]))),
  },
  { additionalProperties: true },
);

export const TriggerSchema = Type.Object(
  { id: Name('Trigger id, e.g. SCMTrigger.'), type: Type.Optional(nullable(Text(256))) },
  { additionalProperties: true },
);

/** One CI/CD run, after the wrapper is removed and the aliases applied. */
export const CustomCicdRunSchema = Type.Object(
  {
    pipeline: Name('The name of the CI/CD job (alias: job_name).'),
    job_full_name: Name('A human-readable identifier for the job.'),
    qualified_name: Name('A qualified name for the job (aliases: job_normalized_full_name, job_full_name).'),
    instance_name: Name('The CI/CD instance name (not the GUID).'),
    instance_guid: Type.String({
      pattern: UUID_PATTERN,
      description: 'GUID from POST /v1/cicd/instances.',
      'x-message': 'must be a GUID made by POST /v1/cicd/instances',
    }),
    start_time: Whole('Job start time in epoch milliseconds.', MAX_EPOCH_MS),
    duration: Amount('Job duration in milliseconds.'),
    result: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'SUCCESS or FAILURE (any case); also ABORTED, UNSTABLE, CANCELED, SKIPPED.',
    }),
    user_id: Type.Optional(nullable(Text(1024))),
    job_run_params: Type.Optional(nullable(Type.Array(ParamSchema, { maxItems: 1000 }))),
    scm_commit_ids: Type.Optional(
      nullable(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 10000 })),
    ),
    repo_url: Type.Optional(nullable(Text())),
    build_number: Type.Optional(
      nullable(
        Type.Unsafe<number | string>({
          type: ['integer', 'string'],
          minimum: 0,
          maxLength: 256,
          description: 'Build number.',
        }),
      ),
    ),
    instance_url: Type.Optional(nullable(Text())),
    job_run: Type.Optional(
      nullable(
        Type.Object(
          { stages: Type.Optional(nullable(Type.Array(StageSchema, { maxItems: 1000 }))) },
          { additionalProperties: true },
        ),
      ),
    ),
    module_name: Type.Optional(nullable(Type.Union([Text(1024), Type.Integer()]))),
    ci: Type.Optional(nullable(Type.Boolean())),
    cd: Type.Optional(nullable(Type.Boolean())),
    artifacts: Type.Optional(nullable(Type.Array(ArtifactSchema, { maxItems: 1000 }))),
    trigger_chain: Type.Optional(nullable(Type.Array(TriggerSchema, { maxItems: 100 }))),
    branch_name: Type.Optional(nullable(Text(1024))),
    project_name: Type.Optional(nullable(Text(1024))),
    execution_id: Type.Optional(nullable(Type.String({ minLength: 1, maxLength: 512 }))),
    cfr_status: Type.Optional(nullable(Type.Boolean())),
    themes: Type.Optional(nullable(Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 100 }))),
    web_url: Type.Optional(nullable(Text())),
  },
  { additionalProperties: true, description: 'A CI/CD run as posted by a CI server.' },
);
export type CustomCicdRun = Static<typeof CustomCicdRunSchema>;

/** The body forms the documents show: flat, `{data: ...}` and `{request_type, payload}`. */
export const CustomCicdBodySchema = Type.Union(
  [
    CustomCicdRunSchema,
    Type.Object({ data: CustomCicdRunSchema }),
    Type.Object({ request_type: Type.Optional(Type.String()), payload: CustomCicdRunSchema }),
  ],
  { description: 'One run: flat, or wrapped as {"data": run} or {"request_type": "...", "payload": run}.' },
);

export const RunAcceptedSchema = Type.Object({
  id: Type.String({ description: 'The stored run id.' }),
  status: Type.Union([Type.Literal('created'), Type.Literal('updated')]),
  run_key: Type.String({ description: 'What identifies the run: execution_id, else job and build number.' }),
  result: Type.String({ description: 'The canonical result.' }),
});
