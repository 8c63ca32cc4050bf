/** Token replacement guidance: what to bring, who may come instead, and where (FAQ, Token Replacement 1-3). */
import type { DirectoryService, GuidanceService } from './services.js';

/** The driver brings (i) the token, (ii) the form, (iii) proof of address (last 3 months), (iv) identity document. */
export const BRING_KEYS = [
  'common:guidance.bring.token',
  'common:guidance.bring.form',
  'common:guidance.bring.address_proof',
  'common:guidance.bring.identity',
] as const;

/**
 * An authorised representative is 18 or over and brings (i) the form, (ii) the driver's proof of
 * address (last 3 months), (iii) identity document, (iv) the authorisation letter. The FAQ's list
 * for a representative does not name the token.
 */
export const REPRESENTATIVE_KEYS = [
  'common:guidance.representative.age',
  'common:guidance.representative.form',
  'common:guidance.representative.address_proof',
  'common:guidance.representative.identity',
  'common:guidance.representative.letter',
] as const;

export function createGuidance(directory: DirectoryService): GuidanceService {
  return {
    tokenReplacement: () => ({
      bring: [...BRING_KEYS],
      representative: [...REPRESENTATIVE_KEYS],
      places: directory.places(),
    }),
  };
}
