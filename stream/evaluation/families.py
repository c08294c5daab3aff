"""Scenario families: each turns (campaign spec, seed) into one scenario in the project's format.

Every trial's generator is seeded from the campaign seed, the family name and the trial
number, so the same campaign always yields the same scenarios.

>>> from geofences.index import GeofenceSet
>>> from stream.evaluation.campaign import parse_campaign
>>> c = parse_campaign({"name": "t", "seed": 3, "families": {"vehicle": {"trials": 1}}})
>>> site = Site.of(GeofenceSet.load_bundled())
>>> t = generate(c, "vehicle", 0, site)
>>> t.scenario["actors"][0]["cls"], t == generate(c, "vehicle", 0, site)
('vehicle', True)
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from stream.evaluation import campaign as cmp
from stream.evaluation.geography import Site
from stream.evaluation.layout import (
    Draft,
    add_camera,
    crossing_path,
    draw,
    draw_int,
    group,
    lay_sensors,
    start_draft,
)


@dataclass(frozen=True)
class Trial:
    """One generated scenario and what the scoring should expect beyond its ground truth."""

    family: str
    index: int
    seed: int
    scenario: dict[str, Any]
    border_km: float
    #: actors expected to raise a dwell zone event in the border strip
    dwell_actors: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.family}/{self.index}"


Gen = Callable[[np.random.Generator, Site, Draft, Any], tuple[str, ...]]


def trial_seed(campaign_seed: int, family: str, index: int) -> int:
    return int(np.random.SeedSequence([campaign_seed & 0xFFFFFFFF, zlib.crc32(family.encode()),
                                       index]).generate_state(1)[0])


def generate(campaign: cmp.Campaign, family: str, index: int, site: Site) -> Trial:
    spec: cmp.Family = getattr(campaign.families, family)
    seed = trial_seed(campaign.seed, family, index)
    rng = np.random.default_rng(seed)
    d = start_draft(rng, f"{campaign.name}-{family}-{index:03d}", seed, campaign.geofences, spec)
    dwell = FAMILIES[family](rng, site, d, spec)
    return Trial(family, index, seed, d.data(), round(d.border_km, 3), dwell)


def _start(rng: np.random.Generator) -> float:
    return float(rng.uniform(30, 200))


def foot(rng: np.random.Generator, site: Site, d: Draft, s: cmp.Foot) -> tuple[str, ...]:
    along = site.free_along(rng, 4000)
    heading = draw(rng, s.heading_deg)
    lay_sensors(rng, site, d, along, 1500, s)
    group(rng, site, d, "group-1", along, draw_int(rng, s.count), draw(rng, s.speed_mps),
          heading, _start(rng))
    d.description = f"foot group, heading {heading:.0f} deg from the normal"
    return ()


def multi_group(rng: np.random.Generator, site: Site, d: Draft, s: cmp.MultiGroup
                ) -> tuple[str, ...]:
    n = draw_int(rng, s.groups)
    gaps = [draw(rng, s.apart_m) for _ in range(n - 1)]
    along0 = site.free_along(rng, sum(gaps) + 3000)
    alongs = [along0 - sum(gaps) / 2 + sum(gaps[:i]) for i in range(n)]
    lay_sensors(rng, site, d, along0, sum(gaps) / 2 + 1200, s)
    t0 = _start(rng)
    for i, a in enumerate(alongs):
        group(rng, site, d, f"group-{i + 1}", a, draw_int(rng, s.count), draw(rng, s.speed_mps),
              draw(rng, s.heading_deg), t0 + float(rng.uniform(0, 120)))
    d.description = f"{n} groups {', '.join(f'{g:.0f}' for g in gaps)} m apart"
    return ()


def vehicle(rng: np.random.Generator, site: Site, d: Draft, s: cmp.Vehicle) -> tuple[str, ...]:
    along = site.free_along(rng, 4000)
    spacing = draw(rng, s.spacing_m)
    offsets = [9.0, 30.0, float(rng.uniform(400, 900))][: draw_int(rng, s.lines)]
    kinds = ["seismic", "magnetic", "acoustic"]
    d.span = (along - 1500, along + 1500)
    for k, off in zip(kinds, offsets, strict=False):
        d.sensor_lines.append({"prefix": k, "kind": k, "spacing_m": round(spacing),
                               "along_boundary": {"from_m": round(d.span[0]),
                                                  "to_m": round(d.span[1]), "offset_m": off}})
    if rng.random() < s.cameras:
        add_camera(rng, site, d, along)
    kmh = draw(rng, s.speed_kmh)
    d.actors.append({"id": "vehicle-1", "cls": "vehicle", "speed_mps": round(kmh / 3.6, 2),
                     "start_s": round(_start(rng)), "frame": "boundary",
                     "path": crossing_path(along, float(rng.uniform(-30, 30)), 500, 4000,
                                           site.length)})
    d.description = f"vehicle at {kmh:.0f} km/h over {len(offsets)} line(s) {spacing:.0f} m apart"
    return ()


def corridor(rng: np.random.Generator, site: Site, d: Draft, s: cmp.Corridor
             ) -> tuple[str, ...]:
    zone, (a, b) = list(site.corridors.items())[int(rng.integers(len(site.corridors)))]
    along = float(rng.uniform(a + 200, b - 200))
    lay_sensors(rng, site, d, along, 1500, s)
    d.wildlife.append({"prefix": "herd", "zone": zone, "herds": draw_int(rng, s.herds),
                       "count": [1, 8], "start_within_s": 300})
    group(rng, site, d, "group-1", along, draw_int(rng, s.count), draw(rng, s.speed_mps),
          draw(rng, s.heading_deg), _start(rng))
    d.description = f"crossing in {zone} among animals"
    return ()


def port(rng: np.random.Generator, site: Site, d: Draft, s: cmp.Port) -> tuple[str, ...]:
    zone, (a, b) = list(site.ports.items())[int(rng.integers(len(site.ports)))]
    dist = draw(rng, s.distance_m)
    sides = [x for x in (a - dist, b + dist) if 200 < x < site.length - 200]
    along = sides[int(rng.integers(len(sides)))]
    lay_sensors(rng, site, d, (a + b) / 2, max(1500.0, abs(along - (a + b) / 2) + 800), s)
    d.port_traffic.append({"port": zone, "vehicles_per_h": round(draw(rng, s.vehicles_per_h)),
                           "pedestrians_per_h": round(draw(rng, s.pedestrians_per_h)),
                           "inspection_s": 40})
    group(rng, site, d, "group-1", along, draw_int(rng, s.count), draw(rng, s.speed_mps),
          draw(rng, s.heading_deg), _start(rng))
    d.description = f"pedestrians {dist:.0f} m from {zone} with lane traffic"
    return ()


def sector_split(rng: np.random.Generator, site: Site, d: Draft, s: cmp.SectorSplit
                 ) -> tuple[str, ...]:
    split = site.sector_splits[int(rng.integers(len(site.sector_splits)))]
    along = split + float(rng.choice([-1, 1])) * draw(rng, s.distance_m)
    lay_sensors(rng, site, d, split, 1500, s)
    group(rng, site, d, "group-1", along, draw_int(rng, s.count), draw(rng, s.speed_mps),
          draw(rng, s.heading_deg), _start(rng))
    d.description = f"crossing {along - split:+.0f} m from a sector split"
    return ()


def strip_dwell(rng: np.random.Generator, site: Site, d: Draft, s: cmp.StripDwell
                ) -> tuple[str, ...]:
    along = site.free_along(rng, 4000)
    speed, dwell = draw(rng, s.speed_mps), draw(rng, s.dwell_s)
    walk = speed * dwell * float(rng.choice([-1, 1]))
    lay_sensors(rng, site, d, along + walk / 2, 1500, s)
    inside = round(float(rng.uniform(4, 14)), 1)
    d.actors.append({"id": "walker-1", "cls": "person", "count": draw_int(rng, s.count),
                     "speed_mps": round(speed, 2), "start_s": round(_start(rng)),
                     "frame": "boundary",
                     "path": [[round(along, 1), -60.0], [round(along, 1), inside],
                              [round(along + walk, 1), inside], [round(along + walk, 1), 800.0]]})
    d.description = f"slow walker {dwell:.0f} s along the strip"
    return ("walker-1",)


def animals(rng: np.random.Generator, site: Site, d: Draft, s: cmp.Animals) -> tuple[str, ...]:
    along = site.free_along(rng, 4000)
    lay_sensors(rng, site, d, along, 1500, s)
    for i in range(draw_int(rng, s.herds)):
        a = along + float(rng.uniform(-1000, 1000))
        h = float(rng.uniform(-70, 70)) + float(rng.choice([0, 180]))
        path = crossing_path(a, h, float(rng.uniform(100, 400)), float(rng.uniform(200, 800)),
                             site.length)
        d.actors.append({"id": f"herd-{i + 1}", "cls": "animal", "count": draw_int(rng, s.count),
                         "speed_mps": round(float(rng.uniform(0.3, 1.2)), 2),
                         "start_s": round(float(rng.uniform(0, 400))), "frame": "boundary",
                         "path": path})
    d.description = "animals only"
    return ()


def weather(rng: np.random.Generator, site: Site, d: Draft, s: cmp.Weather) -> tuple[str, ...]:
    lay_sensors(rng, site, d, site.free_along(rng, 4000), 1500, s)
    wind, rain = draw(rng, s.wind_mps), draw(rng, s.rain_mmph)
    d.weather = [{"at_s": 0, "wind_mps": round(wind / 3, 1)},
                 {"at_s": 300, "wind_mps": round(wind, 1), "rain_mmph": round(rain, 1)}]
    d.description = f"wind {wind:.0f} m/s, rain {rain:.0f} mm/h, nobody crossing"
    return ()


def faults(rng: np.random.Generator, site: Site, d: Draft, s: cmp.Faults) -> tuple[str, ...]:
    along = site.free_along(rng, 4000)
    lay_sensors(rng, site, d, along, 1500, s)
    spacing = d.sensor_lines[0]["spacing_m"]
    n = int((d.span[1] - d.span[0]) // spacing)
    victim = int(rng.integers(n // 4, 3 * n // 4))
    kind = s.kinds[int(rng.integers(len(s.kinds)))]
    at = round(float(rng.uniform(30, 200)))
    fault: dict[str, Any] = {"kind": kind, "targets": [f"strip-{victim:03d}"], "at_s": at}
    if kind == "stuck":
        fault["interval_s"] = round(float(rng.uniform(1, 10)), 1)
    elif kind == "clock_offset":
        fault["offset_s"] = round(float(rng.uniform(30, 300)) * float(rng.choice([-1, 1])))
    elif kind == "chatter":
        fault.update(on_s=round(float(rng.uniform(5, 30))), off_s=round(float(rng.uniform(20,
                     120))), interval_s=2)
    d.faults.append(fault)
    crossing = rng.random() < s.crossing
    if crossing:
        near = d.span[0] + victim * spacing + float(rng.uniform(-300, 300))
        group(rng, site, d, "group-1", near, draw_int(rng, s.count), draw(rng, s.speed_mps),
              float(rng.uniform(-40, 40)), at + float(rng.uniform(0, 300)))
    d.description = f"{kind} fault" + (" with a crossing nearby" if crossing else "")
    return ()


def store_forward(rng: np.random.Generator, site: Site, d: Draft, s: cmp.StoreForward
                  ) -> tuple[str, ...]:
    along = site.free_along(rng, 4000)
    lay_sensors(rng, site, d, along, 1500, s)
    spacing = d.sensor_lines[0]["spacing_m"]
    victim = int((along - d.span[0]) // spacing)
    t_cross = 300.0
    if rng.random() < s.crossing:
        speed = draw(rng, s.speed_mps)
        t_cross = group(rng, site, d, "group-1", along, draw_int(rng, s.count), speed,
                        float(rng.uniform(-40, 40)), float(rng.uniform(60, 200)))
    delay = draw(rng, s.delay_s)
    until = min(t_cross + delay, d.duration_s - 30)
    d.faults.append({"kind": "store_forward", "targets": [f"strip-{victim:03d}"],
                     "at_s": round(max(0.0, t_cross - 120)), "until_s": round(until),
                     "shuffle": True})
    d.description = f"gateway holds its reports {delay:.0f} s"
    return ()


FAMILIES: dict[str, Gen] = {
    "foot": foot, "multi_group": multi_group, "vehicle": vehicle, "corridor": corridor,
    "port": port, "sector_split": sector_split, "strip_dwell": strip_dwell, "animals": animals,
    "weather": weather, "faults": faults, "store_forward": store_forward,
}
