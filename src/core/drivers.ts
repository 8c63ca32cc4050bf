/** Who is calling: a driver by number or by the mobile they call from. */
import { z } from 'zod';
import type { DriverRepository } from './ports.js';
import type { DriverService } from './services.js';
import { fail, ok } from './types.js';
import { checkDriverNo, normalisePhone } from './identifiers.js';

const identifyInput = z.object({ driverNo: z.string() });

export function createDrivers({ drivers }: { drivers: Pick<DriverRepository, 'byDriverNo' | 'byMobile'> }): DriverService {
  return {
    async byMobile(e164) {
      const number = typeof e164 === 'string' ? normalisePhone(e164) : null;
      return number ? drivers.byMobile(number) : null;
    },
    async identify(input) {
      const parsed = identifyInput.safeParse(input);
      const id = checkDriverNo(parsed.success ? parsed.data.driverNo : '');
      if (!id.ok) return fail(id.reason === 'format' ? 'driver_no_format' : 'driver_no_check_digit');
      const driver = await drivers.byDriverNo(id.value);
      return driver ? ok({ driver }) : fail('driver_unknown');
    },
  };
}
