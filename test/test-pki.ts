import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/*
 * Certificates for the tests' loopback HTTPS servers, made in-process with node:crypto: a CA and
 * leaf certificates it signs, X.509 v3 in DER written out by hand (the few ASN.1 types a
 * certificate needs), ECDSA P-256 with SHA-256. No openssl binary and no package: Node's own TLS
 * (OpenSSL) then verifies them exactly as it verifies a real chain.
 */

const length = (n: number) => {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};
const tlv = (tag: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const integer = (bytes: Buffer) => tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
const bitString = (bytes: Buffer, unusedBits = 0) => tlv(0x03, Buffer.from([unusedBits]), bytes);
const octets = (bytes: Buffer) => tlv(0x04, bytes);
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const time = (d: Date) => tlv(0x18, Buffer.from(`${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`)); // GeneralizedTime
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
const name = (commonName: string) => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName)))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));

export interface Issued {
  /** The certificate, PEM. */
  readonly cert: string;
  /** Its private key, PEM (PKCS#8). */
  readonly key: string;
  readonly privateKey: KeyObject;
  readonly subject: string;
  /** Its key identifier (Subject Key Identifier), which what it signs names (Authority Key Identifier). */
  readonly keyId: Buffer;
}

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;

/** A certificate for `subject`: a CA (`ca: true`) or a server certificate for `dnsNames`, signed by `issuer` (itself when absent). */
export function issue(subject: string, options: { issuer?: Issued; ca?: boolean; dnsNames?: readonly string[]; days?: number } = {}): Issued {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = createHash('sha1').update(spki).digest();
  const identifiers = [
    extension('2.5.29.14', false, octets(keyId)), // subjectKeyIdentifier
    extension('2.5.29.35', false, seq(tlv(0x80, options.issuer?.keyId ?? keyId))), // authorityKeyIdentifier keyIdentifier
  ];
  const extensions = options.ca
    ? [
        extension('2.5.29.19', true, seq(tlv(0x01, Buffer.from([0xff])))), // basicConstraints CA:TRUE
        extension('2.5.29.15', true, bitString(Buffer.from([0x06]), 1)), // keyUsage keyCertSign, cRLSign
      ]
    : [
        extension('2.5.29.19', true, seq()),
        extension('2.5.29.15', true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
        extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage serverAuth
        extension('2.5.29.17', false, seq(...(options.dnsNames ?? [subject]).map((n) => tlv(0x82, Buffer.from(n))))), // subjectAltName dNSName
      ];
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(8)])),
    ECDSA_SHA256,
    name(options.issuer?.subject ?? subject),
    seq(time(new Date(now - 3_600_000)), time(new Date(now + (options.days ?? 1) * 86_400_000))),
    name(subject),
    spki,
    explicit(3, seq(...extensions, ...identifiers)),
  );
  const signature = sign('sha256', tbs, options.issuer?.privateKey ?? privateKey);
  return {
    cert: pem(seq(tbs, ECDSA_SHA256, bitString(signature))),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
    subject,
    keyId,
  };
}
