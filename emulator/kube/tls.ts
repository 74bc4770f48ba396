/**
 * The emulator's own certificate authority, made fresh at every start: an RSA key pair per
 * certificate from Node's crypto (fast), certificates built and signed with node-forge. The server
 * certificate names 127.0.0.1, ::1 and localhost, so kubectl and client-node verify it against the
 * CA that the written kubeconfig carries as `certificate-authority-data`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Certificates {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

function keyPair(): {
  publicKey: forge.pki.rsa.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  privatePem: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privatePem: privateKey,
  };
}

/** A positive serial number (the high bit cleared), as X.509 requires. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}

type Subject = { name: string; value: string }[];

/** A certificate for `key`, issued by `issuer`, signed with `signer`, valid a day back to a year on. */
function certificate(
  key: forge.pki.rsa.PublicKey,
  subject: Subject,
  issuer: Subject,
  extensions: object[],
  signer: forge.pki.rsa.PrivateKey,
  now: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = key;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(now + 365 * 24 * 3600 * 1000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

/**
 * A CA and a server certificate signed by it, valid from a day before `now` for a year. Clients
 * check validity against their own wall time, so `now` should be the real time even when the
 * emulator runs on virtual time.
 */
export function createCertificates(now: number): Certificates {
  const ca = keyPair();
  const caSubject = [{ name: 'commonName', value: 'prescaler-emulator-ca' }];
  const caCert = certificate(
    ca.publicKey,
    caSubject,
    caSubject,
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    ca.privateKey,
    now,
  );
  const server = keyPair();
  const cert = certificate(
    server.publicKey,
    [{ name: 'commonName', value: 'kube-apiserver' }],
    caSubject,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
          { type: 2, value: 'kubernetes.default.svc' },
        ],
      },
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ],
    ca.privateKey,
    now,
  );
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: server.privatePem,
  };
}
