import type { Connector } from './connector.js';

/** Connectors by integration type. */
export type ConnectorRegistry = ReadonlyMap<string, Connector<never>>;

export function connectorRegistry(connectors: readonly Connector<never>[]): ConnectorRegistry {
  return new Map(connectors.map((c) => [c.spec.type, c]));
}
