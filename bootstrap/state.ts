import { S3Backend, type TerraformStack } from 'cdktf';
import type { z } from 'zod';
import { cluster } from '../config/cluster';
import { parseSpec } from '../lib/validation';
import { stateSchema } from './state-schema';

/*
 * Where the bootstrap keeps its Terraform state: a Cloudflare R2 bucket, spoken to through
 * Terraform's S3 backend. Only the two R2 access keys are secret, and they come from the environment
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) when `terraform init` runs; nothing secret is synthesized.
 * The account id is not a secret (it is part of every dashboard URL), so it lives in the repo, in
 * one place: config/cluster.ts `backups.r2.accountId` (the backup buckets' account), read from here.
 * The synthesized backend block is complete: `terraform init` needs no -backend-config flags.
 */

export type StateBackendInput = z.input<typeof stateSchema>;
export type StateBackend = z.output<typeof stateSchema>;

/** `npm run configure -- --state-bucket <name>` rewrites `bucket`; the account id is config/cluster.ts's. */
export const STATE_BACKEND: StateBackendInput = {
  accountId: cluster.backups.r2.accountId,
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
