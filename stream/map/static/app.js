// BorderWatch map: live picture over Server-Sent Events, alert list, replay slider, acks.
// window.borderwatch.state is the page's model (counts by layer, incidents, connection),
// kept for operators' scripts and for tests.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    connected: false, live: true, seq: 0, snapshots: 0, viewTime: null, operator: null,
    geofence_version: null, counts: {}, sensor_status: {}, incidents: [], selected: null,
    listed: [], acks_sent: 0, errors: [],
  };
  const live = new Map(); // id -> feature, as the server pushes them
  let shown = live; // the live model, or a replayed snapshot
  let clockOffset = 0; // server clock - browser clock, seconds
  let historyS = 3600;
  window.borderwatch = { state, features: () => shown };

  const map = L.map("map", { preferCanvas: false, zoomControl: true, worldCopyJump: false });
  for (const [name, z] of [["grid", 350], ["fences", 360], ["fov", 390], ["sensors", 420], ["tracks", 430], ["incidents", 640]]) {
    map.createPane(name).style.zIndex = z;
  }
  L.control.scale({ metric: true, imperial: true }).addTo(map);
  map.setView([31.4, -111.0], 10);
  const redrawGrid = BW.graticule(map);
  const drawn = new Map(); // id -> {layer, stale}
  let legend = null;
  let fitted = false;

  const now = () => (state.live ? Date.now() / 1000 + clockOffset : state.viewTime);

  function render(id) {
    const old = drawn.get(id);
    if (old) { old.layer.remove(); drawn.delete(id); }
    const f = shown.get(id);
    if (!f) return;
    const t = now();
    const layer = BW.draw[f.properties.layer](f, t);
    layer.addTo(map);
    drawn.set(id, { layer, stale: BW.isStale(f, t) });
  }

  function renderAll() {
    for (const { layer } of drawn.values()) layer.remove();
    drawn.clear();
    for (const id of shown.keys()) render(id);
    const zoneTypes = [...new Set([...shown.values()].filter((f) => f.properties.layer === "fence")
      .map((f) => f.properties.zone_type))].sort();
    if (legend) legend.remove();
    legend = BW.legend(zoneTypes).addTo(map);
    if (!fitted) fitToFences();
    summarise();
  }

  function fitToFences() {
    const fences = [...shown.values()].filter((f) => f.properties.layer === "fence");
    if (!fences.length) return;
    map.fitBounds(L.geoJSON({ type: "FeatureCollection", features: fences }).getBounds(), { padding: [10, 10] });
    fitted = true;
    redrawGrid();
  }

  // Counts by layer, sensors by status, open incidents: the model tests and scripts read.
  function summarise() {
    const t = now();
    const counts = Object.fromEntries(BW.LAYER_ORDER.map((k) => [k, 0]));
    const status = {};
    for (const f of shown.values()) {
      counts[f.properties.layer] = (counts[f.properties.layer] || 0) + 1;
      if (f.properties.layer === "sensor") {
        const s = BW.sensorStatus(f, t);
        status[s] = (status[s] || 0) + 1;
      }
    }
    state.counts = counts;
    state.sensor_status = status;
    state.incidents = incidents().map((f) => {
      const p = f.properties;
      const track = shown.get(`track:${p.alert_id}`);
      return {
        alert_id: p.alert_id, incident_id: p.incident_id, severity: p.severity, state: p.state,
        sector: p.sector, ack_by: p.ack ? p.ack.by : null, heading_deg: p.heading_deg,
        track_points: track ? track.geometry.coordinates.length : (f ? 1 : 0),
        crossing: shown.has(`crossing:${p.alert_id}`), stale: BW.isStale(f, t),
      };
    });
    state.viewTime = t;
    scheduleList();
  }

  const incidents = () => [...shown.values()].filter((f) => f.properties.layer === "incident");

  // --- alert list --------------------------------------------------------------------
  let listPending = false;
  function scheduleList() {
    if (listPending) return;
    listPending = true;
    setTimeout(() => { listPending = false; renderList(); }, 100);
  }

  function sectors() {
    const all = new Set();
    for (const f of shown.values()) {
      if (f.properties.sector) all.add(f.properties.sector);
    }
    const sel = $("sector");
    const have = new Set([...sel.options].map((o) => o.value));
    for (const s of [...all].sort()) {
      if (!have.has(s)) sel.add(new Option(s, s));
    }
  }

  function renderList() {
    sectors();
    const t = now();
    const sector = $("sector").value;
    const minRank = Number($("severity").value);
    const rows = incidents()
      .filter((f) => (!sector || f.properties.sector === sector) && f.properties.severity_rank >= minRank)
      .sort((a, b) => b.properties.severity_rank - a.properties.severity_rank || b.properties.ts - a.properties.ts);
    $("alert-count").textContent = `${rows.length} open${rows.length !== incidents().length ? ` of ${incidents().length}` : ""}`;
    const ol = $("alerts");
    const keep = new Set(rows.map((f) => f.properties.alert_id));
    for (const [id, li] of rowRefs) {
      if (!keep.has(id)) { li.remove(); rowRefs.delete(id); }
    }
    rows.forEach((f, i) => {
      const li = rowRefs.get(f.properties.alert_id) || makeRow(f.properties.alert_id);
      updateRow(li, f, t);
      if (ol.children[i] !== li) ol.insertBefore(li, ol.children[i] || null);
    });
    state.listed = rows.map((f) => f.properties.alert_id);
    if (state.selected) showDetails(state.selected);
  }

  // Rows are kept per alert and updated in place: a button is never replaced under a click.
  const rowRefs = new Map();
  function makeRow(alertId) {
    const li = document.createElement("li");
    li.dataset.alertId = alertId;
    li.innerHTML =
      '<div class="row"><span class="sev"></span><span class="state"></span><span class="muted age"></span></div>' +
      '<div><span class="zone"></span> <span class="muted meta"></span></div>' +
      '<div class="row"><span class="muted ack"></span><span class="buttons"></span></div>';
    for (const action of ["ack", "close"]) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = action === "ack" ? "Ack" : "Close";
      b.className = `do-${action}`;
      b.addEventListener("click", (ev) => { ev.stopPropagation(); sendAck(alertId, action); });
      li.querySelector(".buttons").append(b);
    }
    li.addEventListener("click", () => BW.select(alertId, true));
    rowRefs.set(alertId, li);
    return li;
  }

  function updateRow(li, f, t) {
    const p = f.properties;
    const text = (sel, value) => { const el = li.querySelector(sel); if (el.textContent !== value) el.textContent = value; };
    li.className = `sev-${p.severity}${BW.isStale(f, t) ? " stale" : ""}${state.selected === p.alert_id ? " selected" : ""}`;
    text(".sev", p.severity);
    text(".state", p.state);
    text(".age", `${BW.age(t - p.raised_ts)} · upd ${BW.age(t - p.ts)}`);
    text(".zone", p.zone_name);
    text(".meta", `${p.sector || "no sector"} · ${p.cls}`);
    text(".ack", p.ack ? `acknowledged by ${p.ack.by} ${BW.age(t - p.ack.at)} ago` : "not acknowledged");
    for (const b of li.querySelectorAll("button")) b.disabled = !state.live;
  }

  BW.select = (alertId, zoom) => {
    state.selected = alertId;
    const f = shown.get(`incident:${alertId}`);
    if (f && zoom) {
      const parts = [f, shown.get(`track:${alertId}`), shown.get(`crossing:${alertId}`)].filter(Boolean);
      map.fitBounds(L.geoJSON({ type: "FeatureCollection", features: parts }).getBounds().pad(0.5), { maxZoom: 16 });
    }
    renderList();
  };

  function showDetails(alertId) {
    const f = shown.get(`incident:${alertId}`);
    $("details").hidden = !f;
    if (!f) return;
    const p = f.properties;
    const when = (ts) => (ts ? new Date(ts * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "—");
    const items = [
      ["alert", p.alert_id], ["incident", p.incident_id], ["rule", p.rule], ["reason", p.reason],
      ...(p.device ? [["device", p.fault ? `${p.device} (${p.fault})` : p.device]] : []),
      ["evidence", `${p.evidence_count} events from ${p.sensors} sensors`], ["modalities", (p.modalities || []).join(", ")],
      ["class", `${p.cls} (${Math.round(p.confidence * 100)}%)`], ["zone", `${p.zone_name} (${p.zone_type})`],
      ["in zones", (p.zones || []).join(", ")], ["heading", p.heading_deg == null ? "—" : `${Math.round(p.heading_deg)}°`],
      ["speed", p.speed_mps == null ? "—" : `${p.speed_mps.toFixed(1)} m/s`], ["raised", when(p.raised_ts)],
      ["updated", when(p.ts)], ["revision", p.revision], ["policy", p.policy_version], ["geofences", p.geofence_version],
      ["ack", p.ack ? `${p.ack.by} at ${when(p.ack.at)}${p.ack.note ? ` — ${p.ack.note}` : ""}` : "—"],
    ];
    $("provenance").innerHTML = items.map(([k, v]) => `<dt>${k}</dt><dd>${BW.esc(v ?? "—")}</dd>`).join("");
  }

  // --- acks --------------------------------------------------------------------------
  function toast(text) {
    const el = $("toast");
    el.textContent = text;
    el.classList.add("show");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => el.classList.remove("show"), 6000);
  }

  async function sendAck(alertId, action) {
    const by = state.operator || $("operator").value.trim();
    if (!by) { toast("Enter your name (Operator) before acknowledging."); $("operator").focus(); return; }
    const r = await fetch("api/ack", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ alert_id: alertId, action, by }),
    });
    const body = await r.json();
    if (r.ok) { state.acks_sent += 1; toast(`${action} of ${alertId} sent as ${body.sent.by}`); }
    else toast(`not sent: ${body.error}`);
  }

  $("operator").value = localStorage.getItem("borderwatch.operator") || "";
  $("operator").addEventListener("change", () => localStorage.setItem("borderwatch.operator", $("operator").value.trim()));
  $("sector").addEventListener("change", renderList);
  $("severity").addEventListener("change", renderList);

  // --- live feed ---------------------------------------------------------------------
  function setFeed(ok, text) {
    state.connected = ok;
    $("feed").textContent = text;
    $("feed").className = `feed ${ok ? "ok" : "bad"}`;
  }

  function connect() {
    const es = new EventSource("api/events");
    es.addEventListener("snapshot", (ev) => {
      const snap = JSON.parse(ev.data);
      clockOffset = snap.now - Date.now() / 1000;
      live.clear();
      for (const f of snap.features) live.set(f.id, f);
      state.seq = snap.seq;
      state.snapshots += 1;
      state.geofence_version = snap.geofence_version;
      $("fences").textContent = `geofences ${snap.geofence_version}`;
      setFeed(true, "live");
      if (state.live) renderAll();
    });
    es.addEventListener("change", (ev) => {
      const c = JSON.parse(ev.data);
      state.seq = c.seq;
      if (c.op === "upsert") live.set(c.id, c.feature); else live.delete(c.id);
      if (c.feature && c.feature.properties.layer === "fence") state.geofence_version = c.feature.properties.geofence_version;
      if (state.live) { render(c.id); summarise(); }
    });
    es.onerror = () => setFeed(false, "reconnecting…");
  }

  // --- time slider: the last hour, replayed by the server from what it read -----------
  const slider = $("slider");
  let replayTimer = null;
  function sliderRange() {
    const t = Date.now() / 1000 + clockOffset;
    slider.min = String(Math.floor(t - historyS));
    slider.max = String(Math.ceil(t));
    if (state.live) slider.value = slider.max;
  }

  function goLive() {
    clearTimeout(replayTimer);
    state.live = true;
    shown = live;
    $("live").disabled = true;
    $("live").className = "";
    sliderRange();
    renderAll();
  }

  slider.addEventListener("input", () => {
    const at = Number(slider.value); // read now: the live clock moves the slider every second
    clearTimeout(replayTimer);
    if (at >= Number(slider.max) - 1) { goLive(); return; }
    state.live = false; // stop following before the replayed picture arrives
    $("live").disabled = false;
    $("live").className = "replay";
    replayTimer = setTimeout(async () => {
      const r = await fetch(`api/snapshot?at=${at}`);
      const snap = await r.json();
      if (state.live) return; // Live was pressed meanwhile
      state.viewTime = at;
      shown = new Map(snap.features.map((f) => [f.id, f]));
      renderAll();
    }, 200);
  });
  $("live").addEventListener("click", goLive);

  function tick() {
    const t = now();
    $("view-time").textContent = `${state.live ? "live" : "replay"} ${new Date(t * 1000).toISOString().slice(11, 19)} UTC`;
    if (state.live) {
      sliderRange();
      for (const [id, d] of drawn) {
        const f = shown.get(id);
        if (f && BW.isStale(f, t) !== d.stale) render(id);
      }
      summarise();
    }
  }

  fetch("api/config").then((r) => r.json()).then((cfg) => {
    historyS = cfg.history_s;
    clockOffset = cfg.now - Date.now() / 1000;
    state.operator = cfg.operator;
    if (cfg.operator) { $("operator").value = cfg.operator; $("operator").disabled = true; }
    if (cfg.tile_url) L.tileLayer(cfg.tile_url, { attribution: cfg.tile_attribution || "", maxZoom: 19 }).addTo(map);
    if (cfg.feed_error) setFeed(false, cfg.feed_error);
    sliderRange();
    connect();
    setInterval(tick, 1000);
  });
})();
