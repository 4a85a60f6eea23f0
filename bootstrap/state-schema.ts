import { z } from 'zod';
import { R2_BUCKET_NAME } from '../lib/config';

/*
 * The bootstrap state settings' schema, apart from bootstrap/state.ts (which reads config/cluster.ts
 * as it loads), so that `npm run configure` validates a new bucket even while the config is invalid.
 */

export const stateSchema = z.strictObject({
  /** Cloudflare account id (dashboard > R2 > Account details): 32 hex digits. */
  accountId: z.string().regex(/^[0-9a-f]{32}$/, 'a Cloudflare account id: 32 lowercase hex digits'),
  /** The R2 bucket, created once by hand (see bootstrap/README.md). */
  bucket: z.string().regex(R2_BUCKET_NAME, 'an R2 bucket name (3-63 lowercase letters, digits, dashes)'),
  /** Object key of the state file. Changing it starts from empty state: move the object first. */
  key: z.string().regex(/^[A-Za-z0-9._\/-]+\.tfstate$/, 'an object key ending in .tfstate'),
});

