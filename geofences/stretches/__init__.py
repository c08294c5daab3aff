"""The cited public facts each bundled geofence set is built from (build time only)."""
