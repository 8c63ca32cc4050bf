import type postgres from 'postgres';
import type { DriverRepository } from '../../core/ports.js';
import type { Sql } from '../connect.js';
import { toDriver, type DriverRow } from './rows.js';

export function createDriverRepository(sql: Sql): DriverRepository {
  const one = async (where: postgres.Fragment) => {
    const rows = await sql<DriverRow[]>`
      SELECT d.driver_no, d.name_en, d.name_zh, d.mobile, d.sms_capable, d.locale, d.id_document_type,
        d.id_document_number, d.demo,
        ARRAY(SELECT v.mark FROM vehicles v WHERE v.driver_no = d.driver_no ORDER BY v.position, v.mark) AS vehicles
      FROM drivers d WHERE ${where}`;
    return rows[0] ? toDriver(rows[0]) : null;
  };
  return {
    byDriverNo: (driverNo) => one(sql`d.driver_no = ${driverNo}`),
    byMobile: (e164) => one(sql`d.mobile = ${e164}`),
    async isDemoNumber(e164) {
      const rows = await sql`SELECT 1 FROM drivers WHERE mobile = ${e164} AND demo LIMIT 1`;
      return rows.length > 0;
    },
  };
}
