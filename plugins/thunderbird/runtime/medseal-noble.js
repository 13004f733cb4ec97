// The primitives the medseal core's Pyodide crypto backend (medseal/crypto/_pyodide.py) calls.
//
// Flat, synchronous functions over Uint8Array, one per primitive, on top of the audited @noble/ciphers and
// @noble/hashes (copied next to this file by plugins/thunderbird/pyodide_runtime.py). No crypto is written
// here: this file only adapts noble's calling conventions to the backend interface. medseal-core.js
// registers this module in Pyodide as the Python module `medseal_noble`.

import { cbc, ecb, gcm } from "./noble/ciphers/aes.js";
import { hmac } from "./noble/hashes/hmac.js";
import { pbkdf2 } from "./noble/hashes/pbkdf2.js";
import { sha256, sha384, sha512 } from "./noble/hashes/sha2.js";

const QUOTA = 65536; // crypto.getRandomValues fills at most 64 KiB per call (Web Crypto API)

/** `n` bytes from the platform CSPRNG (`crypto.getRandomValues`). */
export function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += QUOTA) {
    globalThis.crypto.getRandomValues(out.subarray(at, Math.min(n, at + QUOTA)));
  }
  return out;
}

export function sha256Digest(data) {
  return sha256(data);
}

export function sha384Digest(data) {
  return sha384(data);
}

export function sha512Digest(data) {
  return sha512(data);
}

export function hmacSha256(key, data) {
  return hmac(sha256, key, data);
}

export function pbkdf2HmacSha256(password, salt, iterations, length) {
  return pbkdf2(sha256, password, salt, { c: iterations, dkLen: length });
}

export function aesCbcEncrypt(key, iv, data) {
  return cbc(key, iv, { disablePadding: true }).encrypt(data);
}

export function aesCbcDecrypt(key, iv, data) {
  return cbc(key, iv, { disablePadding: true }).decrypt(data);
}

export function aesEcbEncrypt(key, data) {
  return ecb(key, { disablePadding: true }).encrypt(data);
}

export function aesEcbDecrypt(key, data) {
  return ecb(key, { disablePadding: true }).decrypt(data);
}

/** AES-GCM with a 16-byte tag appended to the ciphertext (the layout of `cryptography`'s AESGCM). */
export function aesGcmEncrypt(key, nonce, data, aad) {
  return gcm(key, nonce, aad).encrypt(data);
}

/** Inverse of aesGcmEncrypt; throws on a wrong key, nonce, tag or associated data. */
export function aesGcmDecrypt(key, nonce, data, aad) {
  return gcm(key, nonce, aad).decrypt(data);
}
