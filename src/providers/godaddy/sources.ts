/** Where GoDaddy's wording comes from: its English "Fix rejected email with a bounce error" guide. */
import { seedTranslation } from '../sources.js';

/** When the sources below were read. */
export const READ = '2026-12-04';
/** GoDaddy's guide (English), as the search returned it. */
export const GODADDY_PAGE = 'https://sg.godaddy.com/help/fix-rejected-email-with-a-bounce-error-40685';
/** A row known only from the Swedish seed of the guide (/work/shared/seeds/003_…), translated back. */
export const SEED = seedTranslation(GODADDY_PAGE, READ, 'Translated back from the Swedish seed of this guide; the English excerpt read does not reach this row.');
