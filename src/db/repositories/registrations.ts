import type { RegistrationRepository } from '../../core/ports.js';
import type { Sql } from '../connect.js';
import { toRegistration, type RegistrationRow } from './rows.js';

export function createRegistrationRepository(sql: Sql): RegistrationRepository {
  return {
    async byRef(refNo) {
      const rows = await sql<RegistrationRow[]>`
        SELECT ref_no, applicant_type, applicant_name, status, note, letter_valid_until::text AS letter_valid_until
        FROM registrations WHERE ref_no = ${refNo}`;
      return rows[0] ? toRegistration(rows[0]) : null;
    },
  };
}
