/** The Postgres implementation of the core's data ports (postgres.js; also serves embedded PGlite). */
import type { DataPorts } from '../../core/ports.js';
import type { Sql } from '../connect.js';
import { createAuditRepository } from './audit.js';
import { createBundleRepository } from './bundles.js';
import { createConsignmentRepository } from './consignments.js';
import { createDriverRepository } from './drivers.js';
import { createHandoffRepository } from './handoffs.js';
import { createInboundMessageRepository } from './inbound.js';
import { createOptOutRepository } from './opt-outs.js';
import { createOutboxRepository } from './outbox.js';
import { createRegistrationRepository } from './registrations.js';
import { createTokenRepository } from './tokens.js';

export function createDataPorts(sql: Sql): DataPorts {
  return {
    drivers: createDriverRepository(sql),
    tokens: createTokenRepository(sql),
    consignments: createConsignmentRepository(sql),
    bundles: createBundleRepository(sql),
    registrations: createRegistrationRepository(sql),
    audit: createAuditRepository(sql),
    handoffs: createHandoffRepository(sql),
    outbox: createOutboxRepository(sql),
    optOuts: createOptOutRepository(sql),
    inbound: createInboundMessageRepository(sql),
  };
}

export { outboxSid } from './outbox.js';
