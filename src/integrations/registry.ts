import { Type, type TObject } from '@sinclair/typebox';

/** What an integration type needs: its settings schema and which settings are secret. */
export interface IntegrationType {
  readonly type: string;
  readonly label: string;
  readonly description: string;
  readonly settings: TObject;
  /** Settings stored encrypted, never logged and never returned. */
  readonly secretFields: readonly string[];
  /** Whether CI/CD instances (webhook GUIDs) can be made under it. */
  readonly acceptsWebhookRuns: boolean;
}

export type IntegrationRegistry = ReadonlyMap<string, IntegrationType>;

export const CUSTOM_INTEGRATION: IntegrationType = Object.freeze({
  type: 'custom',
  label: 'Custom CI/CD',
  description: 'Any CI/CD server that posts its runs to POST /v1/custom-cicd.',
  settings: Type.Object({}, { additionalProperties: false }),
  secretFields: [],
  acceptsWebhookRuns: true,
});

/** The integration types this build can install; connectors add theirs here. */
export function defaultRegistry(extra: readonly IntegrationType[] = []): IntegrationRegistry {
  return new Map([CUSTOM_INTEGRATION, ...extra].map((t) => [t.type, t]));
}
