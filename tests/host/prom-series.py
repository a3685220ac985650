#!/usr/bin/env python3
"""Turn scrapes of pcrwatch's exporter into promtool `input_series`.

prom-series.py INSTANCE FILE:MINUTES [FILE:MINUTES ...]

Each FILE is one real /metrics scrape; it stands for the next MINUTES
one-minute samples of instance INSTANCE (job "pcrwatch"). A series missing
from a scrape is absent ("_") for those minutes. Only the series the alert
rules read are kept. Prints YAML list items for input_series.
"""
import re
import sys

KEEP = ("pcrwatch_events_total", "pcrwatch_events_lost_total",
        "pcrwatch_component_attached", "pcrwatch_reserved_slots",
        "pcrwatch_multiplexing_ratio", "pcrwatch_up",
        "pcrwatch_policy_in_force", "pcrwatch_agent_running",
        "pcrwatch_reservation_principals_unresolved",
        "pcrwatch_policy_last_reload_success_timestamp_seconds")
LINE = re.compile(r'^([a-z_]+)(\{[^}]*\})? (\S+)$')


def scrape(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m or m.group(1) not in KEEP:
                continue
            labels = (m.group(2) or "{}")[1:-1]
            out[(m.group(1), labels)] = m.group(3)
    return out


def main():
    instance, phases = sys.argv[1], []
    for arg in sys.argv[2:]:
        path, minutes = arg.rsplit(":", 1)
        phases.append((scrape(path), int(minutes)))
    keys = sorted({k for s, _ in phases for k in s})
    for name, labels in keys:
        extra = 'instance="%s",job="pcrwatch"' % instance
        sel = "%s{%s}" % (name, labels + "," + extra if labels else extra)
        values = []
        for s, minutes in phases:
            values += [s.get((name, labels), "_")] * minutes
        print("      - series: '%s'" % sel)
        print("        values: '%s'" % " ".join(values))


main()
