/**
 * Proofpoint writes one line, as the captures show it. Its sendmail-based MX names a session in
 * the greeting (`220 mx0b-00164701.pphosted.com ESMTP cm-m0046761`) and a
 * queue id when it accepts a message (`250 2.0.0 25nc6w82mk-1 Message accepted for delivery`),
 * as captured in github.com/pgiu/SimpleMailServerTester (README.md, a 2016 session with USC's
 * Proofpoint MX).
 */
import { DIGITS, LOWER, pick } from '../seeded.js';
import type { ProviderStyle } from '../types.js';

export const style: ProviderStyle = {
  /** `proofpointSession`, e.g. `cm-m0046761`; `proofpointQueueId`, e.g. `25nc6w82mk-1` (ten digits and lower-case letters, then `-1`). */
  session: (random) => ({
    proofpointSession: `cm-m${pick(random, DIGITS, 7)}`,
    proofpointQueueId: `${pick(random, DIGITS + LOWER, 10)}-1`,
  }),
  lines: (lines) => [...lines],
};
