"""S/MIME: AES-256 EnvelopedData that ``openssl cms -decrypt`` opens, refusing what cannot be used."""

from __future__ import annotations

import datetime
import email
import email.policy
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from medseal.envelope.smime import (
    CertificateError,
    SmimeUnavailable,
    canonical,
    decrypt_smime,
    encrypt_smime,
)
from medseal.errors import DecryptionError, InputError

from .pdfs import run

pytestmark = pytest.mark.pyodide_incompatible(reason="S/MIME needs cryptography and openssl")

NOW = datetime.datetime.now(datetime.UTC)
INNER = (
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Bonjour, voici les r\xc3\xa9sultats.\r\n"
    b"--b1\r\n"
    b'Content-Type: application/octet-stream; name="labo.bin"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="labo.bin"\r\n'
    b"\r\n"
    b"AAECAwQFBgcICQ==\r\n"
    b"--b1--\r\n"
)


@dataclass(frozen=True)
class Identity:
    key_pem: bytes
    cert_pem: bytes


def make_identity(
    *, ec: bool = False, expired: bool = False, encipherment: bool | None = True, name: str = "Dr Test"
) -> Identity:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec as ec_keys
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = ec_keys.generate_private_key(ec_keys.SECP256R1()) if ec else rsa.generate_private_key(65537, 2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = NOW - datetime.timedelta(days=400 if expired else 1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=30 if expired else 365))
    )
    if encipherment is not None:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=encipherment,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    cert = builder.sign(key, hashes.SHA256())
    return Identity(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert.public_bytes(serialization.Encoding.PEM),
    )


@pytest.fixture(scope="module")
def alice() -> Identity:
    return make_identity(name="Dr Alice Test")


@pytest.fixture(scope="module")
def bob() -> Identity:
    return make_identity(name="Dr Bob Test", encipherment=None)


def save(tmp_path: Path, identity: Identity, stem: str) -> tuple[Path, Path]:
    key, cert = tmp_path / f"{stem}-key.pem", tmp_path / f"{stem}-cert.pem"
    key.write_bytes(identity.key_pem)
    cert.write_bytes(identity.cert_pem)
    return key, cert


def test_openssl_decrypts_the_exact_mime(tmp_path: Path, alice: Identity) -> None:
    entity = encrypt_smime(INNER, [alice.cert_pem])
    message = tmp_path / "message.eml"
    message.write_bytes(b"From: a@example.org\r\nTo: b@example.org\r\nSubject: ref. P-7F3K-2XQM\r\n" + entity)
    key, cert = save(tmp_path, alice, "alice")
    result = run("openssl", "cms", "-decrypt", "-in", message, "-inkey", key, "-recip", cert, "-binary")
    assert result.returncode == 0, result.stderr
    assert result.stdout == INNER
    printed = run("openssl", "cms", "-cmsout", "-print", "-in", message).stdout.decode()
    assert "aes-256-cbc" in printed and "rsaEncryption" in printed


def test_entity_is_enveloped_data(alice: Identity) -> None:
    entity = encrypt_smime(INNER, [alice.cert_pem])
    part = email.message_from_bytes(entity, policy=email.policy.default)
    assert part.get_content_type() == "application/pkcs7-mime"
    assert part.get_param("smime-type") == "enveloped-data"
    assert part.get_filename() == "smime.p7m"
    assert b"\r\n" in entity and b"\n" not in entity.replace(b"\r\n", b"")
    assert b"sultats" not in entity


def test_every_recipient_can_open_it(alice: Identity, bob: Identity) -> None:
    entity = encrypt_smime(INNER, [alice.cert_pem, bob.cert_pem])
    assert decrypt_smime(entity, alice.key_pem, alice.cert_pem) == INNER
    assert decrypt_smime(entity, bob.key_pem, bob.cert_pem) == INNER


def test_line_ends_are_made_canonical(alice: Identity) -> None:
    lf = INNER.replace(b"\r\n", b"\n")
    assert canonical(lf) == INNER
    assert decrypt_smime(encrypt_smime(lf, [alice.cert_pem]), alice.key_pem, alice.cert_pem) == INNER


def test_wrong_key_tampered_or_truncated(alice: Identity, bob: Identity) -> None:
    entity = encrypt_smime(INNER, [alice.cert_pem])
    with pytest.raises(DecryptionError):
        decrypt_smime(entity, bob.key_pem, bob.cert_pem)
    header, _, body = entity.partition(b"\r\n\r\n")
    lines = body.split(b"\r\n")
    middle = len(lines) // 2
    lines[middle] = bytes(reversed(lines[middle]))
    with pytest.raises(DecryptionError):
        decrypt_smime(header + b"\r\n\r\n" + b"\r\n".join(lines), alice.key_pem, alice.cert_pem)
    with pytest.raises(DecryptionError):
        decrypt_smime(entity[: len(entity) * 2 // 3], alice.key_pem, alice.cert_pem)


def test_unusable_secrets_are_input_errors(alice: Identity) -> None:
    entity = encrypt_smime(INNER, [alice.cert_pem])
    with pytest.raises(InputError):
        decrypt_smime(entity, b"not a key", alice.cert_pem)
    with pytest.raises(InputError):
        decrypt_smime(entity, alice.key_pem, b"not a cert")
    with pytest.raises(InputError, match="not S/MIME"):
        decrypt_smime(b"Subject: x\r\n\r\nhello\r\n", alice.key_pem, alice.cert_pem)


@pytest.mark.parametrize(
    ("identity", "problem"),
    [
        (lambda: make_identity(ec=True), "no RSA key"),
        (lambda: make_identity(expired=True), "expired"),
        (lambda: make_identity(encipherment=False), "key encipherment"),
        (lambda: Identity(b"", b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"), "X.509"),
    ],
    ids=["ec", "expired", "no-encipherment", "garbage"],
)
def test_unusable_certificates_are_named(identity: object, problem: str, alice: Identity) -> None:
    assert callable(identity)
    bad = identity()
    with pytest.raises(CertificateError, match=f"certificate 2 .*{problem}"):
        encrypt_smime(INNER, [alice.cert_pem, bad.cert_pem])


def test_no_recipient_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        encrypt_smime(INNER, [])


def test_pyodide_has_no_smime(monkeypatch: pytest.MonkeyPatch, alice: Identity) -> None:
    monkeypatch.setattr(sys, "platform", "emscripten")
    with pytest.raises(SmimeUnavailable):
        encrypt_smime(INNER, [alice.cert_pem])
    with pytest.raises(SmimeUnavailable):
        decrypt_smime(INNER, alice.key_pem, alice.cert_pem)
