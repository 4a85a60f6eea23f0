import { S3Backend, type TerraformStack } from 'cdktf';
import { z } from 'zod';
import { R2_BUCKET_NAME } from '../lib/config';
import { parseSpec } from '../lib/validation';

/*
 * Where the bootstrap keeps its Terraform state: a Cloudflare R2 bucket, spoken to through
 * Terraform's S3 backend. Only the two R2 access keys are secret, and they come from the environment
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) when `terraform init` runs; nothing secret is synthesized.
 * The account id is not a secret (it is part of every dashboard URL), so it lives here in the repo
 * and the synthesized backend block is complete: `terraform init` needs no -backend-config flags.
 */

const stateSchema = z.strictObject({
  /** Cloudflare account id (dashboard > R2 > Account details): 32 hex digits. */
  accountId: z.string().regex(/^[0-9a-f]{32}$/, 'a Cloudflare account id: 32 lowercase hex digits'),
  /** The R2 bucket, created once by hand (see bootstrap/README.md). */
  bucket: z.string().regex(R2_BUCKET_NAME, 'an R2 bucket name (3-63 lowercase letters, digits, dashes)'),
  /** Object key of the state file. Changing it starts from empty state: move the object first. */
  key: z.string().regex(/^[A-Za-z0-9._\/-]+\.tfstate$/, 'an object key ending in .tfstate'),
});

export type StateBackendInput = z.input<typeof stateSchema>;
export type StateBackend = z.output<typeof stateSchema>;

/** Replace with your own account id before the first `terraform init`. */
export const PLACEHOLDER_ACCOUNT_ID = '0123456789abcdef0123456789abcdef';

export const STATE_BACKEND: StateBackendInput = {
  accountId: PLACEHOLDER_ACCOUNT_ID,
  bucket: 'hobby-infra-tfstate',
  key: 'bootstrap/terraform.tfstate',
};

/** Validates the state settings, naming `file`, the field and what was expected on error. */
export function defineStateBackend(input: StateBackendInput, file = 'bootstrap/state.ts'): StateBackend {
  return Object.freeze(parseSpec(stateSchema, input, file));
}

/** The S3 backend configured for R2. */
export function r2Backend(stack: TerraformStack, state: StateBackend): S3Backend {
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
    key: state.key,
    // R2 has a single region, `auto`; the AWS-only preflight calls below do not exist on R2.
    region: 'auto',
    endpoints: { s3: `https://${state.accountId}.r2.cloudflarestorage.com` },
    usePathStyle: true,
    skipCredentialsValidation: true,
    skipRegionValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: true,
    // The backend's default upload checksums (x-amz-checksum-* trailers) are not supported by R2.
    skipS3Checksum: true,
  });
  // Locking with a .tflock object next to the state (Terraform >= 1.10), instead of DynamoDB, which R2
  // lacks. cdktf 0.21's S3BackendConfig predates the option, hence the override.
  backend.addOverride('use_lockfile', true);
  return backend;
}
