"""Pure correlation logic: no Kafka, no Faust; plain functions and classes over typed reports."""
