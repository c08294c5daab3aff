"""Transport security shared by every Kafka client: checks, TLS context, quiet secrets.

The same settings (``BORDERWATCH_SECURITY_PROTOCOL``, ``BORDERWATCH_SASL_*``,
``BORDERWATCH_SSL_*``) configure the librdkafka clients (``Settings.kafka_client_config``)
and the worker's Faust/aiokafka connection (:func:`ssl_context`, ``stream.app``).
aiokafka logs every request it sends at DEBUG, SASL tokens included (PLAIN carries the
password in clear): :func:`protect_logs` redacts them.

>>> from aiokafka.protocol.admin import SaslAuthenticateRequest_v1
>>> record = logging.LogRecord("aiokafka.conn", logging.DEBUG, "", 0, "Request %d: %s",
...                            (3, SaslAuthenticateRequest_v1(b"\\0bw\\0TopSecret-42")), None)
>>> RedactSasl().filter(record), record.getMessage()
(True, 'Request 3: SaslAuthenticateRequest_v1(<redacted>)')
"""

from __future__ import annotations

import logging
import ssl
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stream.settings import Settings

#: Loggers that print Kafka requests and responses (aiokafka's connection, at DEBUG).
WIRE_LOGGERS = ("aiokafka.conn",)


def security_problems(s: Settings) -> list[str]:
    """What is wrong with the TLS/SASL settings, each as one line (empty: nothing)."""
    out = []
    if s.uses_sasl and (not s.sasl_username or s.sasl_password is None):
        out.append(f"BORDERWATCH_SECURITY_PROTOCOL={s.security_protocol} needs "
                   "BORDERWATCH_SASL_USERNAME and BORDERWATCH_SASL_PASSWORD")
    tls = {"ssl_ca_file": s.ssl_ca_file, "ssl_cert_file": s.ssl_cert_file,
           "ssl_key_file": s.ssl_key_file}
    if not s.uses_tls:
        given = [n for n, v in tls.items() if v is not None]
        if given:
            out.append(f"BORDERWATCH_{given[0].upper()} is set but "
                       f"BORDERWATCH_SECURITY_PROTOCOL={s.security_protocol} does not use "
                       "TLS (use SSL or SASL_SSL)")
        return out
    if (s.ssl_cert_file is None) != (s.ssl_key_file is None):
        out.append("BORDERWATCH_SSL_CERT_FILE and BORDERWATCH_SSL_KEY_FILE go together: "
                   "set both or neither")
    if s.ssl_key_password is not None and s.ssl_key_file is None:
        out.append("BORDERWATCH_SSL_KEY_PASSWORD is set without BORDERWATCH_SSL_KEY_FILE")
    for name, path in tls.items():
        if path is not None and not path.is_file():
            out.append(f"BORDERWATCH_{name.upper()}={path}: no such file")
    return out


def ssl_context(s: Settings) -> ssl.SSLContext | None:
    """The TLS context of the worker's Faust connection (None unless the protocol uses
    TLS): the CA file (else the system's CAs), hostname checked, client certificate if set."""
    if not s.uses_tls:
        return None
    ctx = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(s.ssl_ca_file) if s.ssl_ca_file else None
    )
    if s.ssl_cert_file is not None and s.ssl_key_file is not None:
        password = s.ssl_key_password.get_secret_value() if s.ssl_key_password else None
        ctx.load_cert_chain(str(s.ssl_cert_file), str(s.ssl_key_file), password=password)
    return ctx


class RedactSasl(logging.Filter):
    """Replaces the token of any SASL authenticate request in a log record's arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(_is_sasl(a) for a in args):
            record.args = tuple(_Redacted(a) if _is_sasl(a) else a for a in args)
        return True


def _is_sasl(value: Any) -> bool:
    return type(value).__name__.startswith("SaslAuthenticateRequest")


class _Redacted:
    def __init__(self, request: Any) -> None:
        self.name = type(request).__name__

    def __str__(self) -> str:
        return f"{self.name}(<redacted>)"

    __repr__ = __str__


_FILTER = RedactSasl()


def protect_logs() -> None:
    """Install :class:`RedactSasl` on the loggers that print Kafka requests (idempotent)."""
    for name in WIRE_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
