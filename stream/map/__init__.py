"""``borderwatch map``: the live operating picture (fences, sensors, incidents, alerts) in a
browser, fed over Server-Sent Events; see ``docs/map.md``."""
