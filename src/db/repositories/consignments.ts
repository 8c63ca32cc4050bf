import type { ConsignmentRepository } from '../../core/ports.js';
import type { Sql } from '../connect.js';
import { CONSIGNMENT_SELECT, toConsignment, type ConsignmentRow } from './rows.js';

export function createConsignmentRepository(sql: Sql): ConsignmentRepository {
  return {
    async byCcrn(ccrn) {
      const rows = await sql<ConsignmentRow[]>`${sql.unsafe(CONSIGNMENT_SELECT)} WHERE c.ccrn = ${ccrn}`;
      return rows[0] ? toConsignment(rows[0]) : null;
    },
  };
}
