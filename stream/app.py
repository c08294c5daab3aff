"""The Faust app, built from :class:`~stream.settings.Settings`.

The broker profile decides the settings that Tansu (embedded) needs and Apache
Kafka does not; see ``docs/kafka-features.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import faust

from stream import faust_seek
from stream.metrics import Metrics
from stream.security import protect_logs, ssl_context
from stream.settings import Settings

if TYPE_CHECKING:
    from stream.pipeline import Pipeline


def faust_settings(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for :class:`faust.App`."""
    # tansu:// is aiokafka with a short fetch wait (see stream/tansu_transport.py), bwkafka://
    # Faust's own; both seek safely after a rebalance (see stream/faust_seek.py).
    faust_seek.register()
    scheme = "tansu" if settings.broker_profile == "embedded" else faust_seek.SCHEME
    conf: dict[str, Any] = {
        "broker": [f"{scheme}://{h.strip()}" for h in settings.bootstrap_servers.split(",")],
        # The correlation table's store (a table's own store="memory://" is ignored by
        # Faust: the URL is falsy). Nothing is kept on disk; a worker rebuilds its state
        # from the changelog, so a broker that lost its topics cannot contradict it.
        "store": "memory://",
        # A broker that restarted empty has changelogs shorter than what this worker read
        # before; its state is in memory and written again (stream/agents/log_reset.py),
        # so that is no reason to crash (Faust's check is meant for a stale disk store).
        "recovery_consistency_check": False,
        # A rebalance waits for the ingest agent's batch in hand only (stream/agents/
        # watchdog.py), not for every event any agent took: that wait could last for ever
        # (a heartbeat the health agent had taken was never acknowledged after a broker
        # restart, and the worker read nothing more).
        "stream_wait_empty": False,
        # No standby copies of other workers' table partitions: with the in-memory store a
        # worker given a partition replays its changelog from the start whatever it held,
        # so a copy saves no recovery time; it only had each worker read the others'
        # changelogs (2 workers held 1.5x the keys of one between them).
        "table_standby_replicas": 0,
        # Requests as large as the largest message the project allows, and no larger.
        "producer_max_request_size": settings.max_request_bytes,
        "datadir": str(settings.data_dir),
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor,
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        "web_enabled": False,
        "web_bind": "127.0.0.1",
        "web_port": settings.web_port,
        "web_host": "127.0.0.1",
        "key_serializer": "raw",
        "value_serializer": "raw",
    }
    credentials = broker_credentials(settings)
    if credentials is not None:
        conf["broker_credentials"] = credentials
    if settings.broker_profile == "embedded":
        conf.update(
            # Tansu answers JoinGroup after session_timeout/2: keep it short.
            broker_session_timeout=6,
            broker_heartbeat_interval=1,
            broker_rebalance_timeout=10,
            # Tansu reports the end offset as the last batch's base offset + 1: one
            # record per batch keeps a partition's end exact for whatever Faust writes
            # (the state changelog is written by stream/agents/changelog.py).
            producer_max_batch_size=1,
        )
    return conf


def broker_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    """Faust's credentials for the security protocol: TLS (CA, client certificate) and/or
    SASL from the same settings as the librdkafka clients. None for PLAINTEXT."""
    protect_logs()
    context = ssl_context(settings)
    if settings.uses_sasl:
        return faust.SASLCredentials(
            username=settings.sasl_username or "",
            password=settings.sasl_password.get_secret_value() if settings.sasl_password else "",
            mechanism=settings.sasl_mechanism,
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def build_app(settings: Settings, metrics: Metrics | None = None) -> tuple[faust.App, Pipeline]:
    """A Faust app with every agent registered, and the pipeline they share."""
    from stream.agents import register_all

    app = faust.App(settings.app_id, **faust_settings(settings))
    return app, register_all(app, settings, metrics=metrics)


def create_app(settings: Settings, metrics: Metrics | None = None) -> faust.App:
    """A Faust app with every agent registered."""
    return build_app(settings, metrics)[0]
