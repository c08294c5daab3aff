"""Campaign files and the scenario families generated from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from geofences.index import GeofenceSet
from simulators.scenario import parse_scenario
from stream.evaluation.campaign import (
    SCHEMA_FILE,
    Campaign,
    CampaignError,
    load_campaign,
    parse_campaign,
    render_schema,
)
from stream.evaluation.execute import trial_keys
from stream.evaluation.families import FAMILIES, generate
from stream.evaluation.geography import Site
from stream.evaluation.stats import pd_lower
from stream.evaluation.thresholds import load_thresholds

CAMPAIGNS = sorted(p for p in (Path(__file__).parents[2] / "campaigns").glob("*.yaml")
                   if p.name != "thresholds.yaml")


@pytest.fixture(scope="module")
def site() -> Site:
    return Site.of(GeofenceSet.load_bundled())


def every_family(seed: int = 5, trials: int = 1) -> Campaign:
    return parse_campaign({"name": "t", "seed": seed,
                           "families": {f: {"trials": trials} for f in FAMILIES}})


def test_schema_file_is_current_and_bundled_campaigns_follow_it() -> None:
    assert SCHEMA_FILE.read_bytes() == render_schema(), "run python -m stream.evaluation.campaign"
    schema = yaml.safe_load(SCHEMA_FILE.read_text())
    assert CAMPAIGNS
    for path in CAMPAIGNS:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
        assert load_campaign(path).enabled()


def test_checked_in_thresholds_load_and_name_real_families() -> None:
    t = load_thresholds(Path(__file__).parents[2] / "campaigns" / "thresholds.yaml")
    assert t.correlated["all"] and t.determinism is not None
    assert set(t.determinism.families) <= set(FAMILIES)


def test_default_campaign_has_every_family_and_at_least_200_trials() -> None:
    c = load_campaign(Path(__file__).parents[2] / "campaigns" / "default.yaml")
    assert {f for f, _ in c.enabled()} == set(FAMILIES)
    assert len(trial_keys(c)) >= 200


def test_default_campaign_can_bound_pd_at_0_9_in_every_intrusion_family() -> None:
    """Pd's lower bound can reach 0.9 only with 29 intrusions or more: every family with
    intruders expects that many (a trial of multi_group has at least two groups)."""
    c = load_campaign(Path(__file__).parents[2] / "campaigns" / "default.yaml")
    for family, spec in c.enabled():
        if family in ("animals", "weather"):
            continue
        per_trial = getattr(spec, "crossing", 1.0) * (2 if family == "multi_group" else 1)
        expected = int(spec.trials * per_trial)
        assert pd_lower(expected, expected) >= 0.9, (family, expected)


def test_bad_campaign_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfamilies:\n  foot: {trials: 2, count: [5, 1]}\n  boats: {}\n")
    with pytest.raises(CampaignError) as err:
        load_campaign(bad)
    text = str(err.value)
    assert "bad.yaml" in text and "families.foot.count" in text and "families.boats" in text


def test_site_reads_ports_corridors_and_sector_splits_from_the_set(site: Site) -> None:
    fences = site.fences
    assert set(site.ports) == {z.id for z in fences.zones if z.zone_type == "port_of_entry"}
    assert set(site.corridors) == {z.id for z in fences.zones
                                   if z.zone_type == "wildlife_corridor"}
    (split,) = site.sector_splits
    east, west = site.lonlat(split - 100, 50), site.lonlat(split + 100, 50)
    assert site.sector_at(*east) != site.sector_at(*west)
    # the generators' frame is the geofences' line: 9 m north is inside the strip everywhere
    for along in range(1000, int(site.length), 5000):
        lon, lat = site.lonlat(along, 9.0)
        types = {fences.zones[z].zone_type for z in fences.locate([lon], [lat])[1]}
        assert "border_strip" in types, along


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_gives_valid_reproducible_scenarios(family: str, site: Site) -> None:
    c = every_family(trials=4)
    trials = [generate(c, family, i, site) for i in range(4)]
    for t in trials:
        parse_scenario(t.scenario, t.key)
        assert t.border_km > 0
    assert trials[0] == generate(c, family, 0, site)
    assert len({t.seed for t in trials}) == 4
    assert generate(every_family(seed=6), family, 0, site).seed != trials[0].seed


def test_families_do_what_their_names_say(site: Site) -> None:
    c = every_family()

    def scen(f: str) -> dict[str, Any]:
        return generate(c, f, 0, site).scenario

    assert not scen("weather").get("actors") and len(scen("weather")["weather"]) == 2
    assert {a["cls"] for a in scen("animals")["actors"]} == {"animal"}
    assert scen("vehicle")["actors"][0]["cls"] == "vehicle"
    assert 2 <= len(scen("multi_group")["actors"]) <= 3
    assert scen("port")["port_traffic"][0]["port"] in site.ports
    assert scen("corridor")["wildlife"][0]["zone"] in site.corridors
    assert scen("store_forward")["faults"][0]["kind"] == "store_forward"
    assert scen("faults")["faults"][0]["kind"] in c.families.faults.kinds
    assert generate(c, "strip_dwell", 0, site).dwell_actors == ("walker-1",)
