"""Alerts: reading them from Kafka and rendering them for people and programs."""
