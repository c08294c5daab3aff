"""What the correlator's rules share: the incidents, the alert index, the incident keys a
batch changed, and the geofences, cameras, sensor sites and policies in force."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from geofences.frame import Frame
from geofences.index import GeofenceSet
from stream.alerts import lifecycle
from stream.correlation.faults import FaultWatch
from stream.correlation.incidents import Incident, IncidentKind
from stream.correlation.inventory import Inventory
from stream.correlation.places import Share, T, mine
from stream.correlation.policies import Policies
from stream.correlation.site_grid import SiteGrid
from stream.correlation.tasking import CameraNetwork
from stream.correlation.zone_placement import ZonePlacement


@dataclass(slots=True)
class Store:
    policies: Policies
    placement: ZonePlacement
    cameras: CameraNetwork
    limiter: lifecycle.RateLimiter
    faults: FaultWatch
    #: sensor id -> [lon, lat]: where a sensor stands (heartbeats, else its first report)
    sites: dict[str, list[float]] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    by_alert: dict[str, str] = field(default_factory=dict)  # alert id -> incident id
    dirty: set[str] = field(default_factory=set)  # incidents changed since the last flush
    #: the sites in metres by cell, for neighbours (not state: rebuilt from ``sites``)
    grid: SiteGrid = field(default_factory=SiteGrid)
    #: the policies' signature likelihood ratios (:meth:`.FusionPolicy.llr_table`)
    llr: dict[str, tuple[float, ...]] = field(default_factory=dict)
    #: sensor id -> the inventory's sensors on its gateway (itself included)
    peers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: this correlator's share of the places (:mod:`.places`; None: all of them)
    share: Share | None = None

    @classmethod
    def build(cls, fences: GeofenceSet, policies: Policies, inventory: Inventory) -> Store:
        """An empty store for a geofence set, policies and the deployment's inventory."""
        on: dict[str, list[str]] = {}
        gateways = inventory.gateways
        for sensor, gateway in sorted(gateways.items()):
            on.setdefault(gateway, []).append(sensor)
        return cls(policies=policies, placement=ZonePlacement(fences, policies),
                   cameras=CameraNetwork(inventory.cameras, fences.frame),
                   limiter=lifecycle.RateLimiter(policies.lifecycle.rate_per_zone_per_minute),
                   faults=FaultWatch(policies.faults),
                   sites={k: list(v) for k, v in inventory.sites.items()},
                   llr=policies.fusion.llr_table(),
                   peers={s: tuple(on[g]) for s, g in gateways.items()})

    @property
    def frame(self) -> Frame:
        """The metric frame and boundary of the geofence set in force."""
        return self.placement.fences.frame

    def owns(self, inc: Incident) -> bool:
        """Whether the incident's alert messages and camera cues are this correlator's to
        send (where it began, :mod:`.places`)."""
        return self.share is None or self.share.owns(inc.x0, inc.y0)

    def mine(self, items: Sequence[T]) -> Sequence[T]:
        """The reports of this correlator's share (:func:`.places.mine`)."""
        return mine(self.share, items)

    def add(self, inc: Incident) -> None:
        self.incidents[inc.id] = inc
        self.dirty.add(inc.id)

    def open_of(self, kind: IncidentKind) -> list[Incident]:
        """The open incidents of one kind, in insertion order."""
        return [i for i in self.incidents.values() if i.open and i.kind == kind]

    def reindex(self) -> None:
        """Rebuild the alert index (after a restore)."""
        self.by_alert = {inc.alert.id: i for i, inc in self.incidents.items() if inc.alert}
