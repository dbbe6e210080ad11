/**
 * A self-signed certificate for a test server on HTTPS, made at test time. Node can make keys but
 * not X.509 certificates, and no dependency of the repo writes them, so the `openssl` command does;
 * without it, `selfSignedCertificate` says why, and the suites that need it skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Certificate = { key: string; cert: string } | { missing: string };

/** A key and a certificate for `hostName` and 127.0.0.1, valid for a day, signed by itself. */
export function selfSignedCertificate(hostName: string): Certificate {
	const folder = mkdtempSync(join(tmpdir(), 'pruna-cert-'));
	try {
		execFileSync(
			'openssl',
			[
				'req',
				'-x509',
				'-newkey',
				'ec',
				'-pkeyopt',
				'ec_paramgen_curve:prime256v1',
				'-nodes',
				'-days',
				'1',
				'-subj',
				`/CN=${hostName}`,
				'-addext',
				`subjectAltName=DNS:${hostName},IP:127.0.0.1`,
				'-keyout',
				join(folder, 'key.pem'),
				'-out',
				join(folder, 'cert.pem'),
			],
			{ stdio: 'pipe' },
		);
		return {
			key: readFileSync(join(folder, 'key.pem'), 'utf8'),
			cert: readFileSync(join(folder, 'cert.pem'), 'utf8'),
		};
	} catch (error) {
		return {
			missing: `the openssl command could not make a certificate (${(error as Error).message.split('\n')[0]})`,
		};
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}
