import type { Connector } from './connector.js';
import { gitlabConnector } from './gitlab/connector.js';
import { harnessConnector } from './harness/connector.js';
import { connectorRegistry, type ConnectorRegistry } from './registry.js';

/** The connectors this build ships. */
export function builtInConnectors(): ConnectorRegistry {
  return connectorRegistry([harnessConnector as Connector<never>, gitlabConnector as Connector<never>]);
}
