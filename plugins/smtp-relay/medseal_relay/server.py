"""The SMTP side: the submission server (STARTTLS or implicit TLS, AUTH PLAIN/LOGIN) and the Postfix filter.

Submission (:class:`SubmissionHandler`): only an authenticated user may send (``530`` before AUTH: no open
relay), with a sender address the user may use; recipients and size are limited; at the end of DATA the message
goes through :func:`medseal_relay.decide.decide` and is either refused (``550 5.7.1`` with the reason in the
user's language, plus a short NDR) or spooled durably and acknowledged (``250``), then relayed upstream.

Postfix filter (:class:`FilterHandler`): Postfix's ``smtp`` client hands each queued message to the relay on a
loopback port; the relay decides the same way and reinjects what may go into Postfix's second ``smtpd`` before
answering ``250``, so the message stays in Postfix's queue until it is safely back there.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from medseal.i18n import t
from medseal_cli.smtp import RelayError, RelayRefused, SmtpConfig, relay
from medseal_relay.config import RelayConfig, User
from medseal_relay.decide import Decision, Practice, decide, smtp_text
from medseal_relay.delivery import DeliveryWorker
from medseal_relay.handover import HandoverStore
from medseal_relay.limits import Limiter
from medseal_relay.ndr import non_delivery_report
from medseal_relay.spool import Entry, Spool, filter_entry_id
from medseal_relay.userauth import verify_password

log = logging.getLogger("medseal.relay")
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


class PracticeSource(Protocol):
    def get(self) -> Practice: ...


def _peer(session: Session) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) else str(peer)


@dataclass
class Shared:
    """What the handlers share: configuration, practice, spool, handovers, limits and the worker pool."""

    config: RelayConfig
    practice: PracticeSource
    spool: Spool
    handovers: HandoverStore
    limiter: Limiter
    worker: DeliveryWorker | None
    pool: ThreadPoolExecutor
    #: scrypt checks of logins, apart from the core's pool: a login storm neither stalls the event loop
    #: (other sessions keep being answered) nor the messages waiting for a decision.
    logins: ThreadPoolExecutor | None = None
    filter_spool: Spool | None = None
    active: int = 0


#: What :meth:`GuardedSMTP._authenticate` hands back to its ``auth_*`` caller: "check these off the loop".
_DEFERRED = "medseal: check off the event loop"


class GuardedSMTP(SMTP):
    """aiosmtpd's SMTP with a connection-rate limit and a cap on simultaneous connections, before the greeting,
    and logins checked off the event loop.

    aiosmtpd calls its authenticator synchronously inside ``auth_PLAIN``/``auth_LOGIN``: a scrypt check there
    (tens of milliseconds, by design) would stop every other session for that long, and a burst of logins
    would stall the whole relay. The built-in mechanisms still read and decode the credentials; the check
    itself runs in the login pool and the session waits for it, alone.
    """

    def _authenticate(self, mechanism: str, auth_data: Any) -> AuthResult:
        return AuthResult(success=False, handled=False, message=_DEFERRED, auth_data=(mechanism, auth_data))

    async def _checked(self, result: AuthResult) -> AuthResult:
        if result.message != _DEFERRED:
            return result
        deferred: tuple[str, Any] = result.auth_data  # type: ignore[assignment]
        mechanism, data = deferred
        shared: Shared = self.event_handler.shared
        assert self.session is not None and self.envelope is not None and self._authenticator is not None
        check = partial(self._authenticator, self, self.session, self.envelope, mechanism, data)
        checked: AuthResult = await asyncio.get_running_loop().run_in_executor(shared.logins or shared.pool, check)
        return checked

    async def auth_PLAIN(self, server: Any, args: list[str]) -> AuthResult:
        return await self._checked(await super().auth_PLAIN(server, args))

    async def auth_LOGIN(self, server: Any, args: list[str]) -> AuthResult:
        return await self._checked(await super().auth_LOGIN(server, args))

    async def _handle_client(self) -> None:
        shared: Shared = self.event_handler.shared
        assert self.session is not None and self.transport is not None
        peer = _peer(self.session)
        limited = getattr(self.event_handler, "rate_limited", True)
        if limited and (
            shared.active >= shared.config.limits.max_connections or not shared.limiter.allow_connection(peer)
        ):
            await self.push("421 4.7.0 Too many connections from your address, try again later")
            self.transport.close()
            return
        shared.active += 1
        try:
            await super()._handle_client()
        finally:
            shared.active -= 1


class GuardedController(Controller):
    def factory(self) -> SMTP:
        return GuardedSMTP(self.handler, **self.SMTP_kwargs)


class Authenticator:
    """AUTH PLAIN/LOGIN against the scrypt hashes; too many failures from one address lock it out for a while."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        peer = _peer(session)
        limiter = self.shared.limiter
        if limiter.locked_out(peer):
            return AuthResult(
                success=False, handled=False, message="454 4.7.0 Too many failed logins, try again later"
            )
        if mechanism not in ("PLAIN", "LOGIN") or not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        try:
            name, password = data.login.decode("utf-8"), data.password.decode("utf-8")
        except UnicodeDecodeError:
            limiter.failed_login(peer)
            return AuthResult(success=False, handled=False)
        user = self.shared.config.users.get(name)
        ok = verify_password(password, user.password_hash if user else _DUMMY_HASH) and user is not None
        if not ok:
            limiter.failed_login(peer)
            log.info("failed login from %s", peer)
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=name)


class _Base:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= self.shared.config.limits.max_recipients:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def _offload(self, function: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.shared.pool, function)

    def _decide(self, envelope: Envelope, language: str, user: User | None) -> Decision:
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        assert isinstance(raw, bytes)
        return decide(
            raw,
            tuple(envelope.rcpt_tos),
            self.shared.practice.get(),
            language,
            handover_possible=user is not None and user.keys is not None,
            refuse_generated=self.shared.config.generated_passwords == "refuse",
        )

    def _keep_handovers(self, user: User | None, decision: Decision) -> None:
        if decision.handovers and user is not None and user.keys is not None:
            self.shared.handovers.add(user.name, user.keys.public, decision.handovers)


class SubmissionHandler(_Base):
    """Port 587/465: authenticated users only."""

    def _user(self, session: Session) -> User | None:
        name = session.auth_data if session.authenticated else None
        return self.shared.config.users.get(name) if isinstance(name, str) else None

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        user = self._user(session)
        if user is None:  # aiosmtpd already answers 530 before AUTH; this is the second lock
            return "530 5.7.0 Authentication required"
        if not user.may_send_as(address):
            return "553 5.7.1 This login may not send as that address"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        user = self._user(session)
        if user is None or envelope.mail_from is None:
            return "530 5.7.0 Authentication required"
        language = user.language or self.shared.config.language
        decision: Decision = await self._offload(partial(self._decide, envelope, language, user))
        sender = envelope.mail_from
        if not decision.accepted:
            await self._offload(partial(self._refused_ndr, sender, user, language, decision.reason))
            return f"550 5.7.1 {smtp_text(t('relay.refused', language, reason=decision.reason))}"
        try:
            entry_id = await self._offload(partial(self._spool, sender, user, language, decision))
        except OSError:
            log.exception("cannot spool a message")
            return "451 4.3.0 Cannot queue the message now, try again later"
        return f"250 2.0.0 Queued as {entry_id}"

    def _spool(self, sender: str, user: User, language: str, decision: Decision) -> str:
        self._keep_handovers(user, decision)
        entry = self.shared.spool.commit(sender, decision.parts, user=user.name, language=language)
        if self.shared.worker is not None:
            self.shared.worker.wake()
        return entry.id

    def _refused_ndr(self, sender: str, user: User, language: str, reason: str) -> None:
        if not sender:
            return
        import time

        report = non_delivery_report(sender, language, self.shared.config.hostname, when=time.time(), reason=reason)
        self.shared.spool.commit(sender, [(report, [sender])], user=user.name, kind="ndr", language=language)
        if self.shared.worker is not None:
            self.shared.worker.wake()


#: How long the filter remembers a message it handled (Postfix gives up on a message after 5 days by default).
FILTER_MEMORY_SECONDS = 6 * 24 * 3600


class FilterHandler(_Base):
    """Postfix's after-queue content filter: decide, reinject, then answer.

    Postfix keeps the message in its queue until the filter answers 250, and retries it after a 4xx or a lost
    connection. A message medseal splits (one protected copy per access code, say) is several reinjections:
    if the second fails, or the relay dies between two, Postfix hands over the whole message again. So the
    first decision and the progress are kept in the filter spool under an id of the message
    (:func:`medseal_relay.spool.filter_entry_id`), each reinjected part recorded (fsync) before the next one
    starts: a retry reinjects only the parts still missing, with the bytes (and the envelope password) of the
    first decision, and a retry of a finished message is answered 250 at once. (A crash in the instant
    between Postfix's second ``smtpd`` accepting a part and that record can still send that one part twice:
    never zero times.)
    """

    rate_limited = False  # Postfix itself, on loopback: its own process limits apply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        sender = envelope.mail_from or ""
        user = self.shared.config.user_for_sender(sender)
        language = (user.language if user else None) or self.shared.config.language
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        assert isinstance(raw, bytes)
        spool = self.shared.filter_spool
        entry_id = filter_entry_id(sender, envelope.rcpt_tos, raw)
        entry = await self._offload(partial(spool.get, entry_id)) if spool is not None else None
        if entry is None:
            decision: Decision = await self._offload(partial(self._decide, envelope, language, user))
            if not decision.accepted:
                return f"550 5.7.1 {smtp_text(t('relay.refused', language, reason=decision.reason))}"
            try:
                entry = await self._offload(partial(self._remember, entry_id, sender, user, decision))
            except OSError:
                log.exception("cannot write the filter spool")
                return "451 4.3.0 Cannot record the filtered message now, try again later"
        else:
            log.info("filter: %s seen before (%d of %d part(s) reinjected)", entry.id,
                     sum(p.delivered for p in entry.parts), len(entry.parts))
        try:
            await self._offload(partial(self._reinject, entry))
        except RelayError as exc:
            if exc.temporary:
                return "451 4.3.0 Reinjection into Postfix failed, try again later"
            return f"554 5.3.0 Reinjection refused ({exc.code})"
        except (RelayRefused, OSError):
            return "451 4.3.0 Reinjection into Postfix failed, try again later"
        return "250 2.0.0 Ok: filtered by medseal"

    def _remember(self, entry_id: str, sender: str, user: User | None, decision: Decision) -> Entry:
        """The first decision, durably, before anything is reinjected (and its handovers, kept once)."""
        spool = self.shared.filter_spool
        assert spool is not None
        spool.expire(FILTER_MEMORY_SECONDS)
        self._keep_handovers(user, decision)
        return spool.commit(sender, decision.parts, user=user.name if user else "", entry_id=entry_id)

    def _reinject(self, entry: Entry) -> None:
        spool = self.shared.filter_spool
        assert spool is not None
        target = self.shared.config.reinject
        assert target is not None
        config = SmtpConfig(target.host, target.port, starttls="never-loopback-only", use_keyring=False)
        for index, part in enumerate(entry.parts):
            if part.delivered:
                continue
            relay(spool.read_part(entry, index), entry.sender, list(part.recipients), config)
            entry = entry.with_part_delivered(index)
            spool.save(entry)  # fsync'd before the next part: a retry skips this one
        spool.drop_parts(entry)


def server_tls_context(config: RelayConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    assert config.certificate is not None and config.private_key is not None
    context.load_cert_chain(str(config.certificate), str(config.private_key))
    return context


def _call_limits(config: RelayConfig) -> dict[str, int]:
    """Commands per session: a client may send many messages in one session, junk is cut off early."""
    messages = 1000
    return {
        "MAIL": messages, "DATA": messages, "RSET": messages, "RCPT": messages * config.limits.max_recipients,
        "AUTH": 5, "*": 30,
    }


def submission_controller(shared: Shared) -> Controller:
    config = shared.config
    handler = SubmissionHandler(shared)
    tls = server_tls_context(config) if config.tls != "none" else None
    common: dict[str, Any] = {
        "server_hostname": config.hostname,
        "data_size_limit": config.limits.max_message_bytes,
        "authenticator": Authenticator(shared),
        "auth_required": True,
        "command_call_limit": _call_limits(config),
        "timeout": 120,
    }
    if config.tls == "implicit":
        # the whole connection is TLS: AUTH is safe although aiosmtpd sees no STARTTLS
        return GuardedController(
            handler, hostname=config.listen.host, port=config.listen.port, ssl_context=tls,
            auth_require_tls=False, **common
        )
    if config.tls == "none":  # loopback only (checked by the configuration)
        return GuardedController(
            handler, hostname=config.listen.host, port=config.listen.port, auth_require_tls=False, **common
        )
    return GuardedController(
        handler, hostname=config.listen.host, port=config.listen.port, tls_context=tls, require_starttls=True,
        auth_require_tls=True, **common
    )


def filter_controller(shared: Shared) -> Controller:
    config = shared.config
    assert config.filter_listen is not None
    return GuardedController(
        FilterHandler(shared),
        hostname=config.filter_listen.host,
        port=config.filter_listen.port,
        server_hostname=config.hostname,
        data_size_limit=config.limits.max_message_bytes,
        command_call_limit=_call_limits(config),
        timeout=300,
    )
