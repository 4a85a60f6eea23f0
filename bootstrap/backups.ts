import { AccountToken } from '@cdktf/provider-cloudflare/lib/account-token';
import { DataCloudflareAccountApiTokenPermissionGroupsList } from '@cdktf/provider-cloudflare/lib/data-cloudflare-account-api-token-permission-groups-list';
import { R2Bucket } from '@cdktf/provider-cloudflare/lib/r2-bucket';
import { R2BucketLifecycle } from '@cdktf/provider-cloudflare/lib/r2-bucket-lifecycle';
import { Fn, Op, TerraformLocal, TerraformOutput, Token, type TerraformStack } from 'cdktf';
import { backupBucket, type ClusterConfig } from '../lib/config';

/*
 * One R2 bucket per backup owner (an app with a database or a volume, or a platform namespace,
 * lib/backup-owners.ts), and one account token per bucket that can read and write the objects of
 * that bucket and of no other. R2 scopes tokens to buckets, never to prefixes, so this is what
 * keeps one app's keys away from another app's backups. The tokens' S3 keys leave Terraform only
 * through the sensitive output `backup_credentials`, which the admin copies into Infisical
 * /backups/<owner> (docs/backups.md); they are never in git or dist/.
 */

/** The permission groups of a backup token: objects of its bucket, read and write (write includes delete: retention deletes old backups). */
export const BACKUP_TOKEN_PERMISSIONS = ['Workers R2 Storage Bucket Item Read', 'Workers R2 Storage Bucket Item Write'] as const;

/**
 * The restore drills' token (charts/restore-drills.ts): object READ only, on every backup bucket.
 * Its keys go to Infisical /backups/restore-drills; they can neither write nor delete a backup.
 */
export const DRILL_TOKEN_PERMISSIONS = ['Workers R2 Storage Bucket Item Read'] as const;
/** The Terraform name of the drills' token; `restore-drills` is a platform namespace, so no owner's ids collide with it. */
export const DRILL_TOKEN_ID = 'backups_restore_drills_token';

/** The scope of R2's bucket-level permission groups in Cloudflare's list. */
const R2_BUCKET_SCOPE = 'com.cloudflare.edge.r2.bucket';

/** R2's default jurisdiction: the buckets are created in it, and the tokens' resource keys name it. */
const JURISDICTION = 'default';

/** Terraform names of an owner's resources. Owners never contain `_`, so no two owners' names collide. */
export const backupIds = (owner: string) => ({ bucket: `backups_${owner}`, lifecycle: `backups_${owner}_lifecycle`, token: `backups_${owner}_token` });

/** A token policy's resource key for exactly one bucket. */
export function r2BucketResource(accountId: string, bucket: string): string {
  return `${R2_BUCKET_SCOPE}.${accountId}_${JURISDICTION}_${bucket}`;
}

/**
 * The bucket the backups of every app shared before each app had its own. Terraform forgets it
 * without deleting it (`removed`, destroy = false): its objects stay for the one-time copy into the
 * apps' buckets (docs/backups.md, "Moving from the shared bucket"); the admin deletes it by hand.
 */
const SHARED_BUCKET_ADDRESSES = ['cloudflare_r2_bucket.backups', 'cloudflare_r2_bucket_lifecycle.backups-lifecycle'];

export interface BackupBucketsProps {
  readonly cluster: ClusterConfig;
  /** Who gets a bucket and a token (lib/backup-owners.ts `backupOwners`). */
  readonly owners: readonly string[];
}

/** Adds the buckets, tokens and outputs to the stack, each directly under it (addresses are the ids). */
export function addBackupBuckets(stack: TerraformStack, { cluster, owners }: BackupBucketsProps): void {
  const { accountId, formerApps } = cluster.backups.r2;
  stack.addOverride('removed', SHARED_BUCKET_ADDRESSES.map((from) => ({ from, lifecycle: { destroy: false } })));

  // Former apps keep their bucket (and its backups) but lose their token.
  const kept = [...new Set([...owners, ...formerApps])].sort();
  const buckets = new Map(
    kept.map((owner) => {
      const ids = backupIds(owner);
      // Never destroyed by a plan: backups outlive the cluster and the app. Western Europe, next to FRA1.
      const bucket = new R2Bucket(stack, ids.bucket, { accountId, name: backupBucket(cluster, owner), location: 'weur', jurisdiction: JURISDICTION, lifecycle: { preventDestroy: true } });
      // Retention is the tools' own (CloudNativePG's retentionPolicy, restic's forget); the bucket
      // only cleans up uploads a killed backup left half-done.
      new R2BucketLifecycle(stack, ids.lifecycle, {
        accountId,
        bucketName: bucket.name,
        jurisdiction: JURISDICTION,
        rules: [{ id: 'abort-incomplete-uploads', enabled: true, conditions: { prefix: '' }, abortMultipartUploadsTransition: { condition: { type: 'Age', maxAge: 7 * 24 * 3600 } } }],
      });
      return [owner, bucket] as const;
    }),
  );
  new TerraformOutput(stack, 'backup_buckets', { value: Object.fromEntries([...buckets].map(([owner, b]) => [owner, b.name])), description: 'R2 bucket of each app\'s backups (config backups.r2.bucketPrefix)' });
  if (!owners.length) return;

  // Permission groups are looked up by name: Cloudflare documents their names, not their ids.
  const groups = new DataCloudflareAccountApiTokenPermissionGroupsList(stack, 'r2_bucket_permissions', { accountId, scope: R2_BUCKET_SCOPE });
  // A for expression has no cdktf construct: written out, with the data source's address (its id, directly under the stack).
  const groupsAddress = `data.${groups.terraformResourceType}.${groups.friendlyUniqueId}`;
  const names = JSON.stringify(BACKUP_TOKEN_PERMISSIONS);
  const permissionGroups = new TerraformLocal(stack, 'backup_token_permission_groups', `\${[for g in ${groupsAddress}.result : { id = g.id } if contains(${names}, g.name)]}`);

  const credentials: Record<string, Record<string, string>> = {};
  for (const owner of owners) {
    const bucket = backupBucket(cluster, owner);
    const token = new AccountToken(stack, backupIds(owner).token, {
      accountId,
      name: `${bucket} (backups: objects read-write)`,
      policies: [{ effect: 'allow', permissionGroups: Token.asAny(permissionGroups.toString()), resources: JSON.stringify({ [r2BucketResource(accountId, bucket)]: '*' }) }],
      // The bucket first: a token for a bucket that does not exist yet would grant nothing useful.
      dependsOn: [buckets.get(owner)!],
      lifecycle: {
        precondition: [
          {
            condition: Op.eq(Fn.lengthOf(permissionGroups.asList), BACKUP_TOKEN_PERMISSIONS.length),
            errorMessage: `Cloudflare did not list both permission groups ${BACKUP_TOKEN_PERMISSIONS.join(' and ')} for R2 buckets: the bootstrap's CLOUDFLARE_API_TOKEN needs Account API Tokens: Edit (bootstrap/README.md, step 1), or Cloudflare renamed them (bootstrap/backups.ts).`,
          },
        ],
      },
    });
    // R2's S3 keys of an account token: the token id, and the SHA-256 of its value. Named as the
    // charts read them from Infisical (BACKUP_KEYS in lib/constructs/backups.ts; a test keeps them equal).
    credentials[owner] = { AWS_ACCESS_KEY_ID: token.id, AWS_SECRET_ACCESS_KEY: Fn.sha256(token.value) };
  }
  new TerraformOutput(stack, 'backup_credentials', { value: credentials, sensitive: true, description: 'Each app\'s S3 keys for its own bucket: copy into Infisical /backups/<app> (docs/backups.md)' });

  // The restore drills read every owner's bucket (kept former apps' too: their backups may still be
  // restored) and write none: one token, object read only, one resource per bucket.
  const readGroups = new TerraformLocal(stack, 'drill_token_permission_groups', `\${[for g in ${groupsAddress}.result : { id = g.id } if contains(${JSON.stringify(DRILL_TOKEN_PERMISSIONS)}, g.name)]}`);
  const drills = new AccountToken(stack, DRILL_TOKEN_ID, {
    accountId,
    name: `${cluster.backups.r2.bucketPrefix} restore drills (backups: objects read-only)`,
    policies: [{ effect: 'allow', permissionGroups: Token.asAny(readGroups.toString()), resources: JSON.stringify(Object.fromEntries(kept.map((o) => [r2BucketResource(accountId, backupBucket(cluster, o)), '*']))) }],
    dependsOn: kept.map((o) => buckets.get(o)!),
    lifecycle: {
      precondition: [
        {
          condition: Op.eq(Fn.lengthOf(readGroups.asList), DRILL_TOKEN_PERMISSIONS.length),
          errorMessage: `Cloudflare did not list the permission group ${DRILL_TOKEN_PERMISSIONS[0]} for R2 buckets: the bootstrap's CLOUDFLARE_API_TOKEN needs Account API Tokens: Edit (bootstrap/README.md, step 1), or Cloudflare renamed it (bootstrap/backups.ts).`,
        },
      ],
    },
  });
  new TerraformOutput(stack, 'restore_drill_credentials', {
    value: { AWS_ACCESS_KEY_ID: drills.id, AWS_SECRET_ACCESS_KEY: Fn.sha256(drills.value) },
    sensitive: true,
    description: 'The restore drills\' read-only S3 keys for every backup bucket: copy into Infisical /backups/restore-drills (docs/backups.md "Restore drills")',
  });
}
