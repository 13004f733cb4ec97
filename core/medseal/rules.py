"""The practice's rules (its policy file): which findings block or warn, who counts as trusted, recipient limits.

This module only reads and validates the rules; :mod:`medseal.policy` applies them to a message's findings.

The policy is a TOML file; every key has a safe built-in default, so an empty file (or none) is a complete
policy. Unknown keys and wrong types are input errors that name the key and its line.

```toml
[recipients]
max_to = 1                      # more To addresses than this on a message with findings: too_many_recipients
max_cc = 0
trusted_domains = ["chu-exemple.be"]        # mailboxes that keep mail confidential: no envelope needed
standard_providers = ["gmail.com", "hotmail.*"]   # added to the built-in list
ehealthbox_domains = ["ordomedic.be"]       # health professionals who must be written to through the eHealthBox
professionals = ["dr.peeters@example.be"]

[severity]                      # ok | warn | block, per finding kind
too_many_recipients = "warn"

[protect]
fix_recipients = "bcc"          # bcc | split: how --fix-recipients separates patients
language = "fr"
encrypt = "findings"            # findings | patients | untrusted: when to put the content in an envelope

[practice]                      # who writes: printed on the envelope's letter and named in the clear e-mail
name = "Cabinet médical du Parc"
contact = "02 123 45 67 · secretariat@cabinet-parc.be"
```

``[protect] encrypt`` says when a message to an untrusted mailbox goes inside an envelope: ``findings`` (the
default) when medseal found patient data in it; ``patients`` also every message to a directory patient,
whatever it says; ``untrusted`` every message to a mailbox the policy does not trust.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field, fields
from typing import Any

from medseal.errors import PolicyError
from medseal.i18n import LANGUAGES
from medseal.model import Kind, Level

STANDARD_PROVIDERS: tuple[str, ...] = (
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "outlook.be",
    "hotmail.*",
    "live.*",
    "msn.com",
    "yahoo.*",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "gmx.*",
    "web.de",
    "mail.com",
    "protonmail.com",
    "proton.me",
    "skynet.be",
    "telenet.be",
    "proximus.be",
    "scarlet.be",
    "voo.be",
    "base.be",
    "orange.be",
    "mobistar.be",
    "belgacom.net",
    "hotmail.be",
    "t-online.de",
    "free.fr",
    "orange.fr",
    "wanadoo.fr",
    "laposte.net",
    "sfr.fr",
    "ziggo.nl",
    "kpnmail.nl",
    "zoho.com",
)

#: Providers whose near-misses (one edit away) are reported as ``address_typo``.
TYPO_REFERENCES: tuple[str, ...] = (
    "gmail.com",
    "outlook.com",
    "outlook.be",
    "hotmail.com",
    "hotmail.be",
    "live.be",
    "yahoo.com",
    "yahoo.fr",
    "icloud.com",
    "skynet.be",
    "telenet.be",
    "proximus.be",
    "scarlet.be",
    "voo.be",
    "googlemail.com",
    "gmx.de",
    "web.de",
    "orange.fr",
    "free.fr",
    "ehealth.fgov.be",
)

DEFAULT_SEVERITY: dict[Kind, Level] = {
    Kind.NISS: Level.BLOCK,
    Kind.PATIENT_NAME: Level.BLOCK,
    Kind.BIRTH_DATE: Level.WARN,
    Kind.RECIPIENT_MISMATCH: Level.BLOCK,
    Kind.PATIENTS_EXPOSED: Level.BLOCK,
    Kind.EHEALTHBOX_RECIPIENT: Level.BLOCK,
    Kind.TOO_MANY_RECIPIENTS: Level.WARN,
    Kind.STANDARD_MAILBOX: Level.WARN,
    Kind.ADDRESS_TYPO: Level.BLOCK,
    Kind.UNREADABLE_ATTACHMENT: Level.BLOCK,
}

FIX_RECIPIENT_MODES = ("bcc", "split")
ENCRYPT_MODES = ("findings", "patients", "untrusted")


@dataclass(frozen=True)
class Policy:
    """A complete, validated policy."""

    max_to: int = 1
    max_cc: int = 0
    trusted_domains: tuple[str, ...] = ()
    standard_providers: tuple[str, ...] = STANDARD_PROVIDERS
    ehealthbox_domains: tuple[str, ...] = ()
    professionals: tuple[str, ...] = ()
    severity: dict[Kind, Level] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    fix_recipients: str = "bcc"
    language: str = ""
    encrypt: str = "findings"  # one of ENCRYPT_MODES
    smtp: dict[str, Any] = field(default_factory=dict)
    practice_name: str = ""  # [practice] name: never a patient, it travels in clear
    practice_contact: str = ""  # [practice] contact: a phone number or an address to reach the practice

    def is_trusted(self, address: str) -> bool:
        """A trusted domain keeps mail confidential (policy says so); everything else needs an envelope."""
        return _domain_matches(domain_of(address), self.trusted_domains)

    def is_standard_provider(self, address: str) -> bool:
        return _domain_matches(domain_of(address), self.standard_providers)

    def is_professional(self, address: str) -> bool:
        address = address.lower()
        return address in self.professionals or _domain_matches(domain_of(address), self.ehealthbox_domains)

    def level_of(self, kind: Kind) -> Level:
        return self.severity.get(kind, Level.BLOCK)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def domain_matches(domain: str, patterns: tuple[str, ...]) -> bool:
    """Whether ``domain`` is one of ``patterns`` (fnmatch patterns, or a parent domain of it)."""
    return _domain_matches(domain, patterns)


def _domain_matches(domain: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if fnmatch.fnmatchcase(domain, pattern) or domain.endswith("." + pattern.lstrip("*.")):
            return True
    return False


_SECTIONS: dict[str, dict[str, str]] = {
    "recipients": {
        "max_to": "int",
        "max_cc": "int",
        "trusted_domains": "list",
        "standard_providers": "list",
        "ehealthbox_domains": "list",
        "professionals": "list",
    },
    "protect": {"fix_recipients": "str", "language": "str", "encrypt": "str"},
    "practice": {"name": "str", "contact": "str"},
}


def _line_of(text: str, key: str) -> int:
    match = re.search(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _fail(source: str, text: str, dotted: str, problem: str) -> PolicyError:
    line = _line_of(text, dotted.rpartition(".")[2])
    where = f"{source}, line {line}" if line else source
    return PolicyError(f"{where}: {dotted}: {problem}")


def parse_policy(text: str, source: str = "policy") -> Policy:
    """Parse and validate policy TOML ``text``; an empty text gives the defaults."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: {exc}") from None
    values: dict[str, Any] = {}
    for section, content in data.items():
        if section == "severity":
            values["severity"] = _parse_severity(content, source, text)
            continue
        if section == "smtp":
            if not isinstance(content, dict):
                raise _fail(source, text, section, "must be a table")
            values["smtp"] = dict(content)
            continue
        if section not in _SECTIONS or not isinstance(content, dict):
            raise _fail(source, text, section, f"unknown section (expected one of {', '.join(_known())})")
        for key, value in content.items():
            expected = _SECTIONS[section].get(key)
            dotted = f"{section}.{key}"
            if expected is None:
                raise _fail(source, text, dotted, "unknown key")
            field_name = f"practice_{key}" if section == "practice" else key
            values[field_name] = _check_type(value, expected, source, text, dotted)
    if "standard_providers" in values:
        values["standard_providers"] = STANDARD_PROVIDERS + values["standard_providers"]
    policy = Policy(**values)
    if policy.fix_recipients not in FIX_RECIPIENT_MODES:
        raise _fail(
            source, text, "protect.fix_recipients", f"must be one of {', '.join(FIX_RECIPIENT_MODES)}"
        )
    if policy.encrypt not in ENCRYPT_MODES:
        raise _fail(source, text, "protect.encrypt", f"must be one of {', '.join(ENCRYPT_MODES)}")
    if policy.language and policy.language not in LANGUAGES:
        raise _fail(source, text, "protect.language", f"must be one of {', '.join(LANGUAGES)}")
    if policy.max_to < 1 or policy.max_cc < 0:
        raise _fail(source, text, "recipients.max_to", "max_to must be >= 1 and max_cc >= 0")
    _check_domain_patterns(policy, source, text)
    return policy


def _provider_examples() -> tuple[str, ...]:
    """Concrete domains of the built-in standard providers (``hotmail.*`` as hotmail.com, .be, .fr...)."""
    tlds = ("com", "be", "fr", "nl", "de")
    return tuple(p.replace("*", tld) for p in STANDARD_PROVIDERS for tld in (tlds if "*" in p else ("",)))


def domain_pattern_problem(pattern: str) -> str | None:
    """Why a trusted or eHealthBox ``pattern`` is dangerous (too wide), or ``None``.

    A pattern that is ``*``, a bare top-level domain (``be``, ``*.be``), that matches a standard provider
    (``gmail.com``, ``hotmail.*``) or lies in a provider's namespace (``*.gmail.com``, ``users.skynet.be``)
    would let mail to private mailboxes leave without an envelope.
    """
    bare = pattern.strip().lower().lstrip("*.")
    if not bare or not re.search(r"[a-z0-9]", bare) or set(pattern.strip()) <= set("*?.[]"):
        return "matches every domain"
    if "." not in bare:
        return f"matches a whole top-level domain (.{bare}), private mailboxes included"
    for provider in _provider_examples():
        if _domain_matches(provider, (pattern,)) or _domain_matches(bare, (provider,)):
            return f"matches {provider}, a standard mailbox provider whose mail is not confidential"
    return None


def _check_domain_patterns(policy: Policy, source: str, text: str) -> None:
    """Refuse trusted/eHealthBox patterns that would cover private mailboxes (see :func:`domain_pattern_problem`)."""
    for name in ("trusted_domains", "ehealthbox_domains"):
        for pattern in getattr(policy, name):
            problem = domain_pattern_problem(pattern)
            if problem:
                raise _fail(source, text, f"recipients.{name}", f"{pattern!r} {problem}; name the domain itself")


def _known() -> list[str]:
    return [*_SECTIONS, "severity", "smtp"]


def _check_type(value: Any, expected: str, source: str, text: str, dotted: str) -> Any:
    if expected == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(source, text, dotted, "must be a whole number")
        return value
    if expected == "str":
        if not isinstance(value, str):
            raise _fail(source, text, dotted, "must be a string")
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, text, dotted, "must be a list of strings")
    return tuple(v.strip().lower() for v in value)


def _parse_severity(content: Any, source: str, text: str) -> dict[Kind, Level]:
    if not isinstance(content, dict):
        raise _fail(source, text, "severity", "must be a table")
    severity = dict(DEFAULT_SEVERITY)
    for key, value in content.items():
        dotted = f"severity.{key}"
        try:
            kind = Kind(key)
        except ValueError:
            raise _fail(source, text, dotted, "unknown finding kind") from None
        if not isinstance(value, str) or value.upper() not in Level.__members__:
            raise _fail(source, text, dotted, "must be one of ok, warn, block")
        severity[kind] = Level[value.upper()]
    return severity


POLICY_FIELDS = tuple(f.name for f in fields(Policy))
