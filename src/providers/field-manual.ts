/**
 * ActiveCampaign's SMTP Field Manual: a public collection of replies senders received, one JSON
 * file per reply code with a section per provider and spam filter. Several provider folders cite
 * it; this names the version of each file that was read, so a citation points at what was seen.
 */
import type { EntrySource } from './entry.js';

const COMMIT = {
  421: '0b9ecacd4e7943822bf6ce0926a79c1cbac0e833',
  451: '2005cfe1ba5f6faaaabc6f231c6efe134622c17c',
  550: '00ebd61f178f657a595ca52d48603c7a1b143c5e',
  554: '100935cc92025a5162ceff2830c3fe6e0d32b56f',
} as const;

/** The `title` section of the manual's file for `code`, read on `date`. */
export function fieldManual(code: keyof typeof COMMIT, title: string, date: string): EntrySource {
  return {
    url: `https://github.com/ActiveCampaign/smtp-field-manual/blob/${COMMIT[code]}/data/codes/${code}.json`,
    date,
    verified: 'verbatim-capture',
    note: `the ${title} entries of the SMTP Field Manual's ${code} replies`,
  };
}
