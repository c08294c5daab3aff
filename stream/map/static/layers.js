// BorderWatch map: how each layer's GeoJSON features are drawn with Leaflet (no WebGL).
"use strict";

const BW = (window.BW = window.BW || {});

BW.ZONE_STYLE = {
  boundary: { color: "#212121", weight: 3, fillOpacity: 0, label: "international boundary" },
  border_strip: { color: "#b71c1c", weight: 2, fillOpacity: 0.35, label: "border strip" },
  buffer: { color: "#ff8f00", weight: 1, fillOpacity: 0.05, dashArray: "4 4", label: "buffer" },
  port_of_entry: { color: "#1565c0", weight: 2, fillOpacity: 0.3, label: "port of entry" },
  wildlife_corridor: { color: "#2e7d32", weight: 1, fillOpacity: 0.2, label: "wildlife corridor" },
  patrol_sector: { color: "#6a1b9a", weight: 1, fillOpacity: 0.0, dashArray: "8 6", label: "patrol sector" },
  restricted: { color: "#37474f", weight: 1, fillOpacity: 0.25, label: "restricted area" },
};
BW.SENSOR_COLOUR = {
  online: "#2e7d32", offline: "#9e9e9e", low_battery: "#ffb300", fault: "#6d4c41", tamper: "#d500f9",
};
BW.SEVERITY_COLOUR = { low: "#4caf50", medium: "#ffb300", high: "#f4511e", critical: "#b71c1c" };
BW.SEVERITIES = ["low", "medium", "high", "critical"];
BW.LAYER_ORDER = ["fence", "fov", "sensor", "track", "crossing", "incident"];

BW.esc = (s) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

BW.age = (seconds) => {
  if (seconds == null || !isFinite(seconds)) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
};

BW.isStale = (f, now) => f.properties.stale != null && now > f.properties.stale;

// Offline is not a message: a sensor whose heartbeat is past its stale time is offline.
BW.sensorStatus = (f, now) => (BW.isStale(f, now) ? "offline" : f.properties.status);

const GREY = "#9e9e9e";
const ll = (c) => [c[1], c[0]];

BW.draw = {
  fence(f) {
    const st = BW.ZONE_STYLE[f.properties.zone_type] || { color: "#555", weight: 1, fillOpacity: 0.1 };
    return L.geoJSON(f, { style: () => st, interactive: false, pane: "fences" });
  },
  sensor(f, now) {
    const p = f.properties;
    const status = BW.sensorStatus(f, now);
    return L.circleMarker(ll(f.geometry.coordinates), {
      pane: "sensors", radius: p.camera ? 7 : 4, weight: 1, color: "#fff",
      fillColor: BW.SENSOR_COLOUR[status] || GREY, fillOpacity: 0.95,
    }).bindTooltip(`${BW.esc(p.sensor_id)} · ${BW.esc(p.kind)} · ${BW.esc(status.replace("_", " "))}` +
      ` · battery ${Math.round(p.battery * 100)}%`);
  },
  fov(f, now) {
    const stale = BW.isStale(f, now);
    return L.geoJSON(f, {
      pane: "fov", interactive: false,
      style: () => ({ color: stale ? GREY : "#0277bd", weight: 1, fillColor: stale ? GREY : "#4fc3f7", fillOpacity: 0.25 }),
    });
  },
  track(f, now) {
    const colour = BW.isStale(f, now) ? GREY : BW.SEVERITY_COLOUR[f.properties.severity];
    return L.polyline(f.geometry.coordinates.map(ll), {
      pane: "tracks", color: colour, weight: 3, dashArray: "6 5", interactive: false,
    });
  },
  crossing(f) {
    const t = f.properties.crossing_ts ? new Date(f.properties.crossing_ts * 1000).toISOString().slice(11, 19) : "";
    return L.marker(ll(f.geometry.coordinates), {
      pane: "incidents", icon: L.divIcon({ className: "bw-crossing", html: "✕", iconSize: [18, 18] }),
    }).bindTooltip(`predicted crossing ${t} UTC`);
  },
  incident(f, now) {
    const p = f.properties;
    const colour = BW.isStale(f, now) ? GREY : BW.SEVERITY_COLOUR[p.severity];
    const arrow = p.heading_deg == null ? "●"
      : `<span class="arrow" style="transform: rotate(${Number(p.heading_deg)}deg)">▲</span>`;
    const m = L.marker(ll(f.geometry.coordinates), {
      pane: "incidents",
      icon: L.divIcon({ className: "bw-incident", html: `<span style="color:${colour}">${arrow}</span>`, iconSize: [22, 22] }),
    });
    m.bindTooltip(`${BW.esc(p.severity)} · ${BW.esc(p.zone_name)} · ${BW.esc(p.state)}`);
    m.on("click", () => BW.select && BW.select(p.alert_id, true));
    return m;
  },
};

// Graticule: lines of latitude and longitude at a spacing that suits the zoom, with labels.
BW.graticule = (map) => {
  const group = L.layerGroup().addTo(map);
  const steps = [10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];
  const redraw = () => {
    group.clearLayers();
    const b = map.getBounds();
    const span = Math.max(b.getEast() - b.getWest(), b.getNorth() - b.getSouth());
    const step = steps.find((s) => span / s >= 3) || steps[steps.length - 1];
    const digits = Math.max(0, -Math.floor(Math.log10(step)));
    const opts = { color: "#8a94a6", weight: 0.6, opacity: 0.6, interactive: false, pane: "grid" };
    const label = (text, at) => L.marker(at, {
      pane: "grid", interactive: false,
      icon: L.divIcon({ className: "bw-grid-label", html: text, iconSize: [60, 12], iconAnchor: [-2, 12] }),
    });
    for (let x = Math.ceil(b.getWest() / step) * step; x <= b.getEast(); x += step) {
      group.addLayer(L.polyline([[b.getSouth(), x], [b.getNorth(), x]], opts));
      group.addLayer(label(`${Math.abs(x).toFixed(digits)}°${x < 0 ? "W" : "E"}`, [b.getSouth(), x]));
    }
    for (let y = Math.ceil(b.getSouth() / step) * step; y <= b.getNorth(); y += step) {
      group.addLayer(L.polyline([[y, b.getWest()], [y, b.getEast()]], opts));
      group.addLayer(label(`${Math.abs(y).toFixed(digits)}°${y < 0 ? "S" : "N"}`, [y, b.getWest()]));
    }
  };
  map.on("moveend zoomend resize", redraw);
  return redraw;
};

BW.legend = (zoneTypes) => {
  const c = L.control({ position: "bottomright" });
  c.onAdd = () => {
    const div = L.DomUtil.create("div", "bw-legend");
    const zones = zoneTypes.map((t) => {
      const s = BW.ZONE_STYLE[t] || { color: "#555", label: t };
      return `<i style="background:${s.color}55;border-color:${s.color}"></i>${BW.esc(s.label)}`;
    });
    const sensors = Object.entries(BW.SENSOR_COLOUR).map(
      ([k, v]) => `<i style="background:${v};border-radius:6px"></i>${k.replace("_", " ")}`);
    const sev = BW.SEVERITIES.map((k) => `<i style="background:${BW.SEVERITY_COLOUR[k]}"></i>${k}`);
    div.innerHTML = `<b>Geofences</b>${zones.join("<br>")}<b>Sensors</b>${sensors.join("<br>")}` +
      `<b>Alerts</b>${sev.join("<br>")}<br>✕ predicted crossing<br>` +
      `<i style="background:#4fc3f755;border-color:#0277bd"></i>camera field of view`;
    return div;
  };
  return c;
};
