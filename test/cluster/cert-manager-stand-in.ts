import type { ControlPlane } from '../../lib/delivery/control-plane';
import { poll, type StandIn } from './played-by';
import type { Condition } from '../../lib/delivery/condition';

/*
 * cert-manager, played: the controller is not running, no ACME server is asked and no key or
 * certificate is made. Only the conditions the apply reads are written, with cert-manager's own
 * reasons and messages (github.com/cert-manager/cert-manager, read at its main branch of 2026-08):
 *
 *  ClusterIssuer / Issuer  Ready True, reason `ACMEAccountRegistered`, message `The ACME account
 *                          was registered with the ACME server` (pkg/issuer/acme/setup.go), as an
 *                          ACME issuer whose account is registered.
 *  Certificate             issuerRef naming an issuer that exists: Ready True, reason `Ready`,
 *                          message `Certificate is up to date and has not expired`
 *                          (pkg/controller/certificates/readiness). Otherwise cert-manager creates
 *                          a CertificateRequest that stays Pending (`IssuerNotFound`, pkg/controller/
 *                          certificaterequests/sync.go) and no Secret is ever written, so the
 *                          Certificate keeps Ready False with reason `DoesNotExist` and message
 *                          `Issuing certificate as Secret does not exist` (internal/controller/
 *                          certificates/policies/checks.go SecretDoesNotExist), and Issuing True
 *                          with the same reason and message (the trigger controller). The
 *                          CertificateRequest is not played (this project installs no
 *                          CertificateRequest CRD), nor the certificate's Secret.
 */

interface CertManagerObject {
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: { issuerRef?: { name: string; kind?: string; group?: string } };
  status?: { conditions?: Condition[] };
}

/** The conditions `want`, judged for this generation (cert-manager stamps each with the generation it judged). */
const same = (o: CertManagerObject, want: Condition[]) => {
  const have = o.status?.conditions ?? [];
  const key = (cs: (Condition & { observedGeneration?: number })[], generation?: number) => JSON.stringify(cs.map((c) => [c.type, c.status, c.reason, c.message, generation ?? c.observedGeneration]));
  return key(have) === key(want, o.metadata.generation);
};

export function playCertManager(cp: ControlPlane, log: (line: string) => void = console.log): StandIn {
  const list = async (plural: string) => {
    const { status, body } = await cp.api<{ items?: CertManagerObject[] }>('GET', `/apis/cert-manager.io/v1/${plural}`);
    return status === 200 ? (body.items ?? []) : undefined; // 404: the CRD is not installed (yet)
  };
  const setConditions = async (plural: string, o: CertManagerObject, conditions: Condition[], what: string) => {
    if (same(o, conditions)) return;
    const now = new Date().toISOString();
    const status = { conditions: conditions.map((c) => ({ ...c, lastTransitionTime: now, observedGeneration: o.metadata.generation })) };
    const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : '';
    const res = await cp.api('PATCH', `/apis/cert-manager.io/v1${ns}/${plural}/${o.metadata.name}/status`, { status }, 'application/merge-patch+json');
    if (res.status === 200) log(`[stand-in cert-manager] ${what} (no cert-manager, no ACME server on this machine)`);
  };

  return poll('cert-manager', 500, async () => {
    const clusterIssuers = await list('clusterissuers');
    const issuers = await list('issuers');
    const registered: Condition[] = [{ type: 'Ready', status: 'True', reason: 'ACMEAccountRegistered', message: 'The ACME account was registered with the ACME server' }];
    for (const i of clusterIssuers ?? []) await setConditions('clusterissuers', i, registered, `ClusterIssuer ${i.metadata.name} Ready: its ACME account registered`);
    for (const i of issuers ?? []) await setConditions('issuers', i, registered, `Issuer ${i.metadata.namespace}/${i.metadata.name} Ready: its ACME account registered`);
    for (const c of (await list('certificates')) ?? []) {
      const ref = c.spec?.issuerRef;
      const kind = ref?.kind ?? 'Issuer';
      const pool = kind === 'ClusterIssuer' ? clusterIssuers : issuers;
      const found = (pool ?? []).some((i) => i.metadata.name === ref?.name && (kind === 'ClusterIssuer' || i.metadata.namespace === c.metadata.namespace));
      const id = `Certificate ${c.metadata.namespace}/${c.metadata.name}`;
      if (found) {
        await setConditions('certificates', c, [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired' }], `${id} Ready: issued by ${kind} ${ref?.name}`);
      } else {
        const missing = { reason: 'DoesNotExist', message: 'Issuing certificate as Secret does not exist' };
        await setConditions('certificates', c, [{ type: 'Ready', status: 'False', ...missing }, { type: 'Issuing', status: 'True', ...missing }], `${id} not Ready: its ${kind} ${ref?.name} does not exist, so its CertificateRequest stays Pending (IssuerNotFound)`);
      }
    }
  });
}
