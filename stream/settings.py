"""One settings object for every BorderWatch process.

Every field reads an environment variable ``BORDERWATCH_<FIELD>``; CLI flags
override it. Example::

    BORDERWATCH_BOOTSTRAP_SERVERS=kafka:9092 BORDERWATCH_BROKER_PROFILE=kafka borderwatch worker
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stream.security import security_problems
from stream.signing import KeyRing

BrokerProfile = Literal["embedded", "kafka"]
SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class Settings(BaseSettings):
    """Runtime configuration; see ``docs/configuration.md`` for the full list."""

    model_config = SettingsConfigDict(
        env_prefix="BORDERWATCH_", extra="ignore",
        # Docker/Kubernetes secrets: files named like the variable, e.g.
        # /run/secrets/borderwatch_sasl_password (environment variables win).
        secrets_dir=os.environ.get("BORDERWATCH_SECRETS_DIR") or None,
    )

    # --- broker -----------------------------------------------------------
    bootstrap_servers: str = Field(
        "127.0.0.1:9092", description="Kafka bootstrap servers, comma separated."
    )
    broker_profile: BrokerProfile = Field(
        "embedded",
        description=(
            "'embedded' (Tansu: short group timeouts, one record per Faust produce batch) "
            "or 'kafka' (Apache Kafka defaults)."
        ),
    )
    security_protocol: SecurityProtocol = Field(
        "PLAINTEXT",
        description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL; the same for every client "
        "(librdkafka and the worker's Faust connection).",
    )
    sasl_mechanism: SaslMechanism = Field(
        "PLAIN", description="SASL mechanism when SASL is used: PLAIN, SCRAM-SHA-256 or "
        "SCRAM-SHA-512."
    )
    sasl_username: str | None = Field(None, description="SASL user name (required with SASL).")
    sasl_password: SecretStr | None = Field(
        None, description="SASL password (required with SASL); never printed or logged."
    )
    ssl_ca_file: Path | None = Field(
        None,
        description="PEM file of the CA(s) that signed the broker's certificate (SSL, "
        "SASL_SSL); unset: the system's trusted CAs.",
    )
    ssl_cert_file: Path | None = Field(
        None, description="PEM client certificate for mutual TLS (needs ssl_key_file)."
    )
    ssl_key_file: Path | None = Field(
        None, description="PEM private key of the client certificate (needs ssl_cert_file)."
    )
    ssl_key_password: SecretStr | None = Field(
        None, description="Password of an encrypted ssl_key_file; never printed or logged."
    )

    signing_keys: dict[str, SecretStr] = Field(
        {},
        description=(
            "JSON object of HMAC keys {\"key id\": \"secret\"}: every key this process "
            "accepts on signed messages (acks, geofence sets, alerts). Empty: nothing is "
            "signed or checked (development only). See docs/security.md for rotation."
        ),
    )
    signing_key_id: str | None = Field(
        None, description="Which key of BORDERWATCH_SIGNING_KEYS this process signs with."
    )

    # --- topics -----------------------------------------------------------
    topic_prefix: str = Field("borderwatch", description="Prefix of every topic name.")
    partitions: int = Field(
        4, ge=1, le=1024, description="Partitions of keyed topics (upper bound on workers)."
    )
    replication_factor: int = Field(1, ge=1, description="Replication factor of new topics.")

    # --- worker -----------------------------------------------------------
    app_id: str = Field("borderwatch", description="Faust app id = Kafka consumer group.")
    data_dir: Path = Field(Path(".borderwatch"), description="Worker state (table stores).")
    batch_max: int = Field(500, ge=1, description="Messages per processing batch at most.")
    batch_within: float = Field(
        0.02, gt=0,
        description="Seconds a batch waits to fill after its first message before it is processed."
    )
    clock_skew_s: float = Field(
        30.0, ge=0,
        description="Reports timed further than this ahead of the worker's clock are "
        "dead-lettered (reason future_ts): a sensor clock in the future would otherwise "
        "move event time for everyone.",
    )
    max_message_bytes: int = Field(
        1_048_576,
        ge=1024,
        le=64 * 1_048_576,
        description=(
            "Largest message value the project accepts: larger sensor and control messages "
            "are dead-lettered (reason too_large); topics (max.message.bytes) and producers "
            "(message.max.bytes / max_request_size) are set to it plus protocol overhead."
        ),
    )
    geofences: str = Field(
        "nogales-sasabe",
        description="Geofence set in force at start (until one is published): a bundled "
        "set's name (see `borderwatch geofences list --bundled`) or a GeoJSON file.",
    )
    inventory_file: Path | None = Field(
        None,
        description=(
            "JSON lines of camera and sensor records (id, lon, lat, range_m, gateway), e.g. a "
            "simulator truth file; a sensor listed with its gateway is dead if never heard."
        ),
    )
    web_port: int = Field(6066, description="Faust web port (loopback).")
    allocator: Literal["jemalloc", "system"] = Field(
        "jemalloc",
        description=(
            "Memory allocator of `borderwatch worker`: 'jemalloc' where the system has it "
            "(Debian: libjemalloc2; else the system's), or 'system' (glibc's malloc). Both "
            "give a burst's freed memory back; jemalloc correlates about half as fast again."
        ),
    )
    rule: Literal["correlate", "naive"] = Field(
        "correlate",
        description=(
            "'correlate': incidents, tracks, fusion, zone policies and the alert lifecycle. "
            "'naive': one alert per detection in a border-strip or restricted zone, the "
            "baseline the correlator is measured against."
        ),
    )
    send_timeout: float = Field(
        30.0,
        gt=0,
        description=(
            "Seconds the worker waits for the broker to take one output (alert, dead letter, "
            "...) before it counts the send as failed and goes on with the batch."
        ),
    )
    tick_interval: float = Field(
        2.0, gt=0, description="Seconds between timer ticks (alert escalation and clearing)."
    )
    stall_s: float = Field(
        120.0,
        gt=0,
        description=(
            "Seconds a worker may take no message while its partitions hold unread ones "
            "(ticks arrive every tick_interval) before it logs one line, writes its state "
            "to the changelog and starts again in the same process; three times as long "
            "for a batch in hand, five times while it reads its changelog, twice when "
            "the broker, reachable, cannot say whether messages wait."
        ),
    )
    zone_hysteresis_m: float = Field(
        25.0,
        ge=0,
        description=(
            "Metres a tracked alert must be outside a zone before it counts as an exit (no "
            "flapping on a boundary); a zone's hysteresis_m property overrides it."
        ),
    )
    zone_dwell_s: float = Field(
        300.0,
        ge=0,
        description=(
            "Seconds inside a zone before a dwell event; a zone's dwell_s property overrides it. "
            "Patrol sectors give no dwell events."
        ),
    )

    # --- metrics ----------------------------------------------------------
    metrics_host: str = Field("127.0.0.1", description="Address /metrics listens on.")
    metrics_port: int = Field(9108, ge=0, le=65535, description="Port of /metrics; 0 = off.")
    health_interval: float = Field(
        5.0, gt=0, description="Seconds between updates of the sensor-health and lag gauges."
    )
    sensor_offline_after: float = Field(
        180.0, gt=0, description="A sensor with no heartbeat for this many seconds is offline."
    )
    low_battery_level: float = Field(
        0.2, ge=0, le=1, description="Battery fraction below which a sensor counts as low."
    )

    # --- live map (borderwatch map) -------------------------------------------
    map_host: str = Field(
        "127.0.0.1", description="Address the map page listens on; other than loopback needs "
        "map_tokens."
    )
    map_port: int = Field(8080, ge=0, le=65535, description="Port of the map page.")
    map_tokens: SecretStr | None = Field(
        None,
        description=(
            "Operators allowed on the map, 'name:token' comma separated; when set, the page, "
            "its feed and its acks need a token and an ack records the operator's name."
        ),
    )
    map_tile_url: str | None = Field(
        None,
        description=(
            "Tile layer under the map, e.g. 'https://tiles.example/{z}/{x}/{y}.png'; without "
            "one the map draws fences on a plain background with a graticule."
        ),
    )
    map_tile_attribution: str = Field("", description="Attribution shown for the tile layer.")
    map_history_s: float = Field(
        3600.0, gt=0, description="Seconds of messages the map keeps for its time slider."
    )
    map_incident_stale_s: float = Field(
        600.0, gt=0, description="An incident with no alert message for this long greys out."
    )

    # --- embedded broker ----------------------------------------------------
    broker_host: str = Field("127.0.0.1", description="Address the embedded broker binds.")
    broker_port: int = Field(9092, ge=1, le=65535, description="Port of the embedded broker.")

    log_level: str = Field("WARNING", description="Python log level of the worker.")

    @field_validator("security_protocol", "sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_security(self) -> Settings:
        """Contradictory or incomplete TLS/SASL settings fail at load, with one line."""
        for problem in security_problems(self):
            raise ValueError(problem)
        return self

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL")

    @property
    def max_request_bytes(self) -> int:
        """``max_message_bytes`` plus room for a record batch's headers and key."""
        return self.max_message_bytes + 65_536

    def key_ring(self) -> KeyRing:
        """The HMAC keys this process signs and verifies with."""
        return KeyRing(self.signing_keys, self.signing_key_id)

    def topic(self, name: str) -> str:
        """Full topic name, e.g. ``settings.topic("alerts") == "borderwatch.alerts"``."""
        return f"{self.topic_prefix}.{name}"

    def kafka_client_config(self) -> dict[str, Any]:
        """librdkafka (confluent-kafka) settings common to producers, consumers and admin."""
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": self.security_protocol,
        }
        if self.uses_sasl:
            conf["sasl.mechanism"] = self.sasl_mechanism
            conf["sasl.username"] = self.sasl_username or ""
            conf["sasl.password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else ""
            )
        if self.uses_tls:
            for key, path in (("ssl.ca.location", self.ssl_ca_file),
                              ("ssl.certificate.location", self.ssl_cert_file),
                              ("ssl.key.location", self.ssl_key_file)):
                if path is not None:
                    conf[key] = str(path)
            if self.ssl_key_password is not None:
                conf["ssl.key.password"] = self.ssl_key_password.get_secret_value()
        return conf

    def producer_config(self, **extra: Any) -> dict[str, Any]:
        """Idempotent, acks=all producer settings. It never creates a topic (the broker's
        default partition count is not the worker's); a message waits for its topic."""
        conf = self.kafka_client_config()
        conf.update({"enable.idempotence": True, "acks": "all", "linger.ms": 5,
                     "message.max.bytes": self.max_request_bytes,
                     "allow.auto.create.topics": False})
        conf.update(extra)
        return conf

    def consumer_config(self, group_id: str, **extra: Any) -> dict[str, Any]:
        conf = self.kafka_client_config()
        conf.update({"group.id": group_id, "enable.auto.commit": False})
        if self.broker_profile == "embedded":
            conf["session.timeout.ms"] = 6000
            conf["heartbeat.interval.ms"] = 1000
            # Tansu holds an empty fetch for the whole wait instead of answering on arrival.
            conf["fetch.wait.max.ms"] = 20
        conf.update(extra)
        return conf

