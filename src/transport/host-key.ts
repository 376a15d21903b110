import { createHash } from 'node:crypto';

/**
 * A server host key as it travels in SSH: the wire-format public key blob. Fingerprints and
 * known_hosts comparisons work on the blob, so no key parsing library is involved.
 */

/** OpenSSH's fingerprint format (`ssh-keygen -lf`): "SHA256:" + unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside the blob (its first SSH string), e.g. "ssh-ed25519". */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/**
 * Host key algorithms that produce keys of `keyType`, strongest first. Used to ask the server
 * for a key type known_hosts already has, as OpenSSH does, so a host known by its RSA key is not
 * mistaken for a changed host just because it also offers ed25519.
 */
export function algorithmsForKeyType(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256'];
  if (keyType === 'ssh-ed25519' || keyType.startsWith('ecdsa-sha2-')) return [keyType];
  return [];
}
