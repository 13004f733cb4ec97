"""The certificate envelope: S/MIME (CMS EnvelopedData, RFC 8551), opened natively by Thunderbird and Outlook.

Content encryption is AES-256-CBC; each recipient's RSA certificate wraps the content key (RSA PKCS#1 v1.5 key
transport, the only one ``cryptography``'s builder writes, and what every S/MIME client reads). The inner
MIME entity is first put in canonical form (CRLF line ends, RFC 8551 section 3.1.1), then encrypted as binary,
so ``openssl cms -decrypt`` gives back exactly those bytes.

This module needs ``cryptography``, which Pyodide does not have: there, :class:`SmimeUnavailable` is raised
(Thunderbird encrypts S/MIME itself).
"""

from __future__ import annotations

import base64
import datetime
import email
import email.policy
import re
import sys
from collections.abc import Sequence
from email.message import Message as EmailMessage
from typing import TYPE_CHECKING

from medseal.errors import DecryptionError, InputError, MedsealError

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

SMIME_TYPES = ("application/pkcs7-mime", "application/x-pkcs7-mime")


class SmimeUnavailable(MedsealError):
    """S/MIME needs the ``cryptography`` package, which this platform (Pyodide) lacks."""

    message = "S/MIME is not available here; use the mail client's own S/MIME encryption"


class CertificateError(InputError):
    """A recipient certificate cannot be used for S/MIME encryption."""

    message = "unusable recipient certificate"


def _require_cryptography() -> None:
    if sys.platform == "emscripten":
        raise SmimeUnavailable()
    try:
        import cryptography  # noqa: F401
    except ImportError:
        raise SmimeUnavailable() from None


def canonical(mime: bytes) -> bytes:
    """``mime`` with every line ending as CRLF."""
    return re.sub(rb"\r?\n|\r", b"\r\n", mime)


def _load_certificate(data: bytes, number: int, at: datetime.datetime) -> Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        cert = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except ValueError:
        raise CertificateError(f"recipient certificate {number} is not an X.509 certificate") from None
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        raise CertificateError(f"recipient certificate {number} has no RSA key (only RSA is supported)")
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise CertificateError(f"recipient certificate {number} is expired or not yet valid")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return cert
    if not usage.key_encipherment:
        raise CertificateError(f"recipient certificate {number} does not allow key encipherment")
    return cert


def _entity(der: bytes) -> bytes:
    body = base64.encodebytes(der).replace(b"\n", b"\r\n")
    headers = (
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="smime.p7m"\r\n'
        b"Content-Description: S/MIME Encrypted Message\r\n"
        b"\r\n"
    )
    return headers + body


def encrypt_smime(
    mime_bytes: bytes, certificates: Sequence[bytes], *, at: datetime.datetime | None = None
) -> bytes:
    """An ``application/pkcs7-mime; smime-type=enveloped-data`` MIME entity (headers, blank line, base64)
    holding ``mime_bytes`` (a MIME entity: its own headers and body) for every certificate (PEM or DER).

    Certificates must hold RSA keys, be valid at ``at`` (default: now) and allow key encipherment;
    otherwise :class:`CertificateError` names the certificate by its number (1, 2...).
    """
    _require_cryptography()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.ciphers import algorithms
    from cryptography.hazmat.primitives.serialization import pkcs7

    if not certificates:
        raise ValueError("S/MIME encryption needs at least one recipient certificate")
    when = at or datetime.datetime.now(datetime.UTC)
    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(canonical(mime_bytes))
    builder = builder.set_content_encryption_algorithm(algorithms.AES256)
    for number, data in enumerate(certificates, start=1):
        builder = builder.add_recipient(_load_certificate(data, number, when))
    der = builder.encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    return _entity(der)


def is_smime(part: EmailMessage) -> bool:
    """An S/MIME enveloped-data part (not a signature)."""
    if part.get_content_type() not in SMIME_TYPES:
        return False
    smime_type = str(part.get_param("smime-type", "enveloped-data")).lower()
    return smime_type in ("enveloped-data", "authenveloped-data")


def _find_enveloped(data: bytes) -> bytes:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if is_smime(part):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload:
                return payload
    raise InputError("this message is not S/MIME encrypted")


def decrypt_smime(
    data: bytes, key_pem: bytes, cert_pem: bytes, *, key_password: bytes | None = None
) -> bytes:
    """The inner MIME entity of an S/MIME message or entity ``data``, for the recipient's key and certificate.

    A wrong key, a tampered or truncated message: :class:`DecryptionError`; an unusable key or certificate
    file: :class:`InputError`.
    """
    _require_cryptography()
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_der_private_key, load_pem_private_key, pkcs7

    der = _find_enveloped(data)
    try:
        cert = (
            x509.load_pem_x509_certificate(cert_pem)
            if b"-----BEGIN" in cert_pem
            else (x509.load_der_x509_certificate(cert_pem))
        )
    except ValueError:
        raise InputError("the certificate is not a PEM or DER X.509 certificate") from None
    try:
        loader = load_pem_private_key if b"-----BEGIN" in key_pem else load_der_private_key
        key = loader(key_pem, password=key_password)
    except (ValueError, TypeError):
        raise InputError("the private key cannot be read (wrong format or passphrase)") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InputError("the private key is not an RSA key")
    try:
        return pkcs7.pkcs7_decrypt_der(der, cert, key, [])
    except Exception:  # wrong recipient, altered or truncated data: one opaque error
        raise DecryptionError() from None
