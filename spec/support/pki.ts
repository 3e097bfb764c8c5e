// Throwaway certificates for specs that put real TLS servers in front of misp-sim or a search
// cluster: a certificate authority and the certificates it signs, made with openssl in a scratch
// directory (ca.key and ca.pem, then NAME.key and NAME.pem for each certificate).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA named cn, valid two days; `extensions` are openssl -addext values. */
export function makeCa(dir: string, cn: string, extensions: readonly string[] = []): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${cn}`,
    ...extensions.flatMap((e) => ['-addext', e])]);
}

export interface CertRequest {
  cn: string;
  /** The subjectAltName: "IP:127.0.0.1", "DNS:a.test,DNS:b.test". */
  san: string;
  /** The extendedKeyUsage ("serverAuth", "clientAuth"), when the certificate names one. */
  usage?: string;
}

/** A key and a certificate signed by dir's CA, valid two days: NAME.key and NAME.pem. */
export function issueCert(dir: string, name: string, cert: CertRequest): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cert.cn}`]);
  const usage = cert.usage === undefined ? '' : `extendedKeyUsage=${cert.usage}\n`;
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${cert.san}\n${usage}`);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`,
    '-days', '2', '-extfile', `${name}.ext`]);
}
