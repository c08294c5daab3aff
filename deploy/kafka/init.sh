#!/bin/bash
# The compose stack's Kafka set-up job: SCRAM-SHA-512 users and least-privilege ACLs.
# Runs in the apache/kafka image as the admin principal (mutual TLS on the broker
# listener, kafka:9094); idempotent, so it runs on every `docker compose up`.
# Principals and their rights: docs/security.md ("Kafka ACLs").
set -euo pipefail
bootstrap=${KAFKA_ADMIN_BOOTSTRAP:-kafka:9094}
prefix=${BORDERWATCH_TOPIC_PREFIX:-borderwatch}
group=${BORDERWATCH_APP_ID:-borderwatch}
bin=${KAFKA_BIN:-/opt/kafka/bin}
secrets=${SECRETS_DIR:-/run/secrets}
config=$(mktemp)
cat > "$config" <<PROPS
security.protocol=SSL
ssl.keystore.type=PEM
ssl.keystore.location=$secrets/admin_keystore
ssl.truststore.type=PEM
ssl.truststore.location=$secrets/ca
PROPS
for user in worker sim patrol hq ops; do
  password=$(cat "$secrets/${user}_password")
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --command-config "$config" --alter \
    --entity-type users --entity-name "$user" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=${password}]" >/dev/null
  echo "SCRAM user $user"
done

allow() {  # allow PRINCIPAL OPERATIONS... -- RESOURCE ARGS...
  local principal=$1; shift
  local ops=()
  while [ "$1" != "--" ]; do ops+=(--operation "$1"); shift; done
  shift
  "$bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --command-config "$config" --add \
    --force --allow-principal "User:$principal" "${ops[@]}" "$@" >/dev/null
  echo "ACL User:$principal ${ops[*]//--operation /} $*"
}
topic() { echo --topic "$prefix.$1"; }

# Simulators and sensor gateways: write sensor reports; read camera tasking (slew-to-cue).
allow sim Write Describe -- --topic "$prefix.sensors." --resource-pattern-type prefixed
allow sim Read Describe -- $(topic camera-tasking)
# Patrols (borderwatch ack, the map): write acks only; read what they act on.
allow patrol Write Describe -- $(topic alert-acks)
for t in alerts zone-events geofences; do allow patrol Read Describe -- $(topic "$t"); done
# Headquarters: publish geofence sets and zone policies.
for t in geofences policies; do allow hq Write Read Describe -- $(topic "$t"); done
# Workers: read the inputs, own the outputs, their state topics and their consumer group.
allow worker Read Describe -- --topic "$prefix.sensors." --resource-pattern-type prefixed
for t in alert-acks geofences policies; do allow worker Read Describe -- $(topic "$t"); done
for t in alerts deadletters late-events zone-events camera-tasking ticks; do
  allow worker Write Read Describe -- $(topic "$t")
done
allow worker All -- --topic "$group-" --resource-pattern-type prefixed
allow worker All -- --group "$group" --resource-pattern-type prefixed
# Operations (dashboards, borderwatch alerts): read alerts, zone events and dead letters.
for t in alerts zone-events deadletters; do allow ops Read Describe -- $(topic "$t"); done
rm -f "$config"
echo "kafka users and ACLs in place"
