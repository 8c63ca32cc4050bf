/** Wires the core services onto their ports. */
import type { DataPorts, OutboundPort } from './ports.js';
import type { DirectoryService, GuidanceService, Services } from './services.js';
import type { Clock } from './types.js';
import type { Logger } from '../logger.js';
import { createAuditor } from './audit.js';
import { createBundling } from './bundling.js';
import { createDrivers } from './drivers.js';
import { createHandoffs } from './handoffs.js';
import { createConsignmentStatus, createRegistrationStatus } from './status.js';
import { createTokens, type TokenLockNotifier } from './tokens.js';

export interface ServiceDeps {
  ports: DataPorts;
  clock: Clock;
  outbound: OutboundPort;
  directory: DirectoryService;
  guidance: GuidanceService;
  /** Audit, hand-off and outbox records older than this are purged. */
  retentionDays: number;
  logger?: Logger;
  /** Tells a driver that their token has just been locked (an SMS in production). */
  notifyLocked?: TokenLockNotifier;
}

const DAY_MS = 86_400_000;
/** How long an inbound message id is remembered, so that a repeated delivery does no work again. */
export const INBOUND_DEDUP_MS = DAY_MS;

export function createServices({ ports, clock, outbound, directory, guidance, retentionDays, logger, notifyLocked }: ServiceDeps): Services {
  const audit = createAuditor({ audit: ports.audit, clock, ...(logger ? { logger } : {}) });
  return {
    drivers: createDrivers({ drivers: ports.drivers }),
    tokens: createTokens({
      drivers: ports.drivers,
      tokens: ports.tokens,
      clock,
      audit,
      ...(notifyLocked ? { notifyLocked } : {}),
      ...(logger ? { logger } : {}),
    }),
    consignments: createConsignmentStatus({ consignments: ports.consignments, clock, audit }),
    registrations: createRegistrationStatus({ registrations: ports.registrations, audit }),
    bundling: createBundling({
      drivers: ports.drivers,
      tokens: ports.tokens,
      consignments: ports.consignments,
      bundles: ports.bundles,
      clock,
      audit,
    }),
    directory,
    guidance,
    handoffs: createHandoffs({ handoffs: ports.handoffs, clock }),
    outbound,
    async purgeExpired() {
      const before = new Date(clock.now().getTime() - retentionDays * DAY_MS);
      const [audit, handoffs, outbox, inbound] = await Promise.all([
        ports.audit.purgeBefore(before),
        ports.handoffs.purgeBefore(before),
        ports.outbox.purgeBefore(before),
        ports.inbound.purgeBefore(new Date(clock.now().getTime() - INBOUND_DEDUP_MS)),
      ]);
      return { audit, handoffs, outbox, inbound };
    },
  };
}
