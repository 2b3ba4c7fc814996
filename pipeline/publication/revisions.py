"""What each edition published (.editions/<load>.json) and what changed since the previous edition."""
from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import suppress
from pipeline.config import Config, Labels
from pipeline.publication.figures import Facts
from pipeline.publication.periods import MONTH, Period, edition_folder
from pipeline.publication.sql import query


def editions_dir(output: Path, period_label: str, restricted: bool) -> Path:
    return edition_folder(output, period_label, restricted) / ".editions"


def previous_edition(output: Path, period: Period, restricted: bool, load_id) -> dict | None:
    """The edition this one revises: the latest earlier edition of the same report (built from an earlier
    load), else the latest edition of the same kind for an earlier period."""
    def read(path: Path) -> dict | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    own = [e for p in sorted(editions_dir(output, period.label, restricted).glob("*.json"))
           if (e := read(p)) and e["as_of"]["load_id"] < load_id]
    if own:
        return max(own, key=lambda e: e["as_of"]["load_id"])
    earlier = []
    editions = edition_folder(output, period.label, restricted).parent
    if editions.is_dir():
        for folder in editions.iterdir():
            kind = "month" if MONTH.match(folder.name) else "year" if re.fullmatch(r"\d{4}", folder.name) else None
            if kind == period.kind and folder.name < period.label:
                earlier += [e for p in editions_dir(output, folder.name, restricted).glob("*.json") if (e := read(p))]
    return max(earlier, key=lambda e: (e["period"], e["as_of"]["load_id"])) if earlier else None


def displays(edition: dict | None) -> dict[str, pd.DataFrame]:
    """The protected tables an earlier edition published, as suppress.protect() takes them."""
    return {name: pd.DataFrame(d["data"], index=d["index"], columns=d["columns"])
            for name, d in (edition or {}).get("displays", {}).items()}


def edition_record(facts: Facts, period: Period, shown: dict[str, pd.DataFrame], restricted: bool,
                   config: Config) -> dict:
    """What this edition publishes that a later correction can change: every figure's total for every
    complete month, quarter and year (victims: per year, as published after suppression), and the
    displays of the protected tables (the next edition's suppression takes them into account)."""
    f = facts.figures
    complete = f[(f["last_month"] <= period.last_month) & (f["figure"] != "victims_identified")]
    figures = [{"figure": r.figure, "source": r.source, "group": r.group, "period_type": r.period_type,
                "period": r.period, "first_month": r.first_month, "last_month": r.last_month,
                "value": "" if pd.isna(r.n) else str(int(r.n))} for r in complete.itertuples()]
    by_group = shown["victims_by_group"]
    for year in by_group.columns:
        if year == suppress.TOTAL:
            continue
        for row, group in (("trafficking", "trafficking"), ("related", "related"), (suppress.TOTAL, "all")):
            figures.append({"figure": "victims_identified", "source": "victims", "group": group, "period_type": "year",
                            "period": str(year), "first_month": f"{year}-01", "last_month": f"{year}-12",
                            "value": str(by_group.at[row, year])})
    return {
        "period": period.label, "kind": period.kind, "restricted": restricted,
        "as_of": {"last_month": facts.as_of["last_month"], "load_id": int(facts.as_of["load_id"])},
        "k": config.k, "figures": figures,
        "displays": {name: {"index": [str(i) for i in d.index], "columns": [str(c) for c in d.columns],
                            "data": d.astype(str).values.tolist()} for name, d in shown.items()},
    }


def compare(con: duckdb.DuckDBPyConnection, previous: dict | None, current: dict, labels: Labels) -> pd.DataFrame:
    """Figures whose published value changed since the previous edition, with the deliveries loaded since
    that brought records dated in the figure's period (or the period's first delivery)."""
    columns = ["figure", "group", "period_type", "period", "previous", "current", "previous_edition", "caused_by"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    old = {(f["figure"], f["group"], f["period_type"], f["period"]): f["value"] for f in previous["figures"]}
    causes = query(con, "report_revision_causes", {"load_id": previous["as_of"]["load_id"]})
    rows = []
    not_reported = labels["value.not_reported"]
    for f in current["figures"]:
        key = (f["figure"], f["group"], f["period_type"], f["period"])
        if key not in old or old[key] == f["value"]:
            continue
        hits = causes[(causes["source"] == f["source"])
                      & (causes["record_month"].isna()
                         | causes["record_month"].between(f["first_month"], f["last_month"]))]
        deliveries = sorted({f"{m}/{f['source']} (load {int(l)})" for m, l in zip(hits["delivered_month"], hits["load_id"])})
        rows.append([*key, old[key] or not_reported, f["value"] or not_reported,
                     f"{previous['period']} (data as of {previous['as_of']['last_month']}, load {previous['as_of']['load_id']})",
                     "; ".join(deliveries)])
    return pd.DataFrame(rows, columns=columns)


def write_record(record: dict, output: Path, built_at: str) -> None:
    """The edition record, once the edition is in place: an edition cut short never becomes the previous one."""
    record = {**record, "built_at": built_at}
    path = editions_dir(output, record["period"], record["restricted"]) / f"{record['as_of']['load_id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
