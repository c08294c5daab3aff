# The BorderWatch image: one `borderwatch` command for the worker, the topic job and the simulator.
FROM python:3.11.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# jemalloc: the worker's allocator (stream/memory.py), half as fast again as glibc's
RUN apt-get update \
 && apt-get install -y --no-install-recommends libjemalloc2 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY stream ./stream
COPY geofences ./geofences
COPY simulators ./simulators
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /data --create-home borderwatch

USER borderwatch
# Apache Kafka defaults; /metrics on every interface of the container (Prometheus scrapes it).
ENV BORDERWATCH_BROKER_PROFILE=kafka \
    BORDERWATCH_DATA_DIR=/data \
    BORDERWATCH_METRICS_HOST=0.0.0.0 \
    BORDERWATCH_METRICS_PORT=9108
EXPOSE 9108
ENTRYPOINT ["borderwatch"]
CMD ["--help"]
