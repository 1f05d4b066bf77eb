"""Reports: the stored interactions of a date range fed through the same metrics functions as the
wallboard (callcenter/metrics.py), plus complaints opened / closed within their SLA per group.

Days are local days of the business-hours time zone; a call belongs to the day (and hour) it was
offered (``metrics.offered_at``). The query narrows on the indexed ``started_at`` (a call starts at
most a day before it is offered) and the exact range is applied by the same pure function.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from callcenter import metrics
from callcenter.errors import ValidationFailed
from crm_bridge.models import Agent, Complaint, Interaction
from crm_bridge.pauses import pause_figures, pause_rows

MAX_DAYS = 366
_FIELDS = ("id", "queue", "customer_type", "status", "started_at", "queued_at", "answered_at", "ended_at",
           "hold_seconds", "talk_seconds", "survey_score", "outcome", "agent_id")
_SLACK = timedelta(days=1)


def parse_range(day_from: str | None, day_to: str | None, by: str | None, today: date) -> tuple[date, date, str]:
    """Checked ``from`` / ``to`` (inclusive ISO dates, default today) and ``by``; ValidationFailed names them."""
    errors: dict[str, str] = {}
    parsed: list[date] = []
    for name, value in (("from", day_from), ("to", day_to)):
        try:
            parsed.append(date.fromisoformat(value) if value else today)
        except ValueError:
            errors[name] = "expected a date like 2024-05-06"
            parsed.append(today)
    by = by or "day"
    if by not in metrics.GROUPINGS:
        errors["by"] = f"expected one of {', '.join(metrics.GROUPINGS)}"
    start, end = parsed
    if not errors and end < start:
        errors["to"] = "must not be before from"
    elif not errors and (end - start).days >= MAX_DAYS:
        errors["to"] = f"at most {MAX_DAYS} days per report"
    if errors:
        raise ValidationFailed("the report range does not fit", errors)
    return start, end, by


async def interaction_records(store: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The interaction records offered in [start, end) (aware datetimes)."""
    cols = [getattr(Interaction, f) for f in _FIELDS]
    stmt = select(*cols).where(Interaction.started_at >= start - _SLACK, Interaction.started_at < end)
    async with store.connect() as conn:
        rows = (await conn.execute(stmt)).mappings().all()
    return [dict(r) for r in rows if _within(metrics.offered_at(r), start, end)]


async def today_records(store: Any, live: metrics.LiveMetrics) -> list[dict[str, Any]]:
    """Start-up: the rows of the live metrics' day, so a restart does not zero the wallboard."""
    start, end = metrics.day_bounds(live.day, live.rules.zone)
    return await interaction_records(store, start, end)


def _within(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


async def report(store: Any, rules: metrics.Rules, start_day: date, end_day: date, by: str,
                 now: datetime) -> dict[str, Any]:
    """Figures per group for the local days start_day..end_day (inclusive), with totals and complaints."""
    start = metrics.day_bounds(start_day, rules.zone)[0]
    end = metrics.day_bounds(end_day, rules.zone)[1]
    records = await interaction_records(store, start, end)
    async with store.connect() as conn:
        agents = {r.id: {"login": r.login, "name": r.name}
                  for r in (await conn.execute(select(Agent.id, Agent.login, Agent.name))).all()}
        stmt = (select(Complaint.id, Complaint.created_at, Complaint.sla_due_at, Complaint.resolved_at,
                       Complaint.closed_at, Complaint.owner_agent_id, Interaction.queue, Interaction.customer_type)
                .outerjoin(Interaction, Complaint.interaction_id == Interaction.id)
                .where(Complaint.created_at >= start, Complaint.created_at < end))
        complaint_rows = [dict(r) for r in (await conn.execute(stmt)).mappings().all()]
    groups = metrics.aggregate(records, by, rules)
    complaints = complaint_counts(complaint_rows, by, rules, now)
    # Per agent: time paused and time beyond each pause code's limit (pause periods begun in the range).
    pauses = pause_figures(await pause_rows(store, start, end), now) if by == "agent" else {}
    total = metrics.Totals()
    for t in groups.values():
        total.add(t)
    keys = sorted(set(groups) | set(complaints) | set(pauses), key=_order)
    rows = [{"key": k, "label": _label(k, by, agents), **metrics.figures(groups.get(k) or metrics.Totals(), rules),
             "complaints": complaints.get(k) or _no_complaints(), **_pause_cells(pauses, k, by)} for k in keys]
    all_complaints = _no_complaints()
    for c in complaints.values():
        for name in all_complaints:
            all_complaints[name] += c[name]
    pause_total = {name: round(sum(p[name] for p in pauses.values()), 1) for name in PAUSE_COLUMNS} \
        if by == "agent" else {}
    return {"from": start_day.isoformat(), "to": end_day.isoformat(), "by": by, "rows": rows,
            "total": {**metrics.figures(total, rules), "complaints": all_complaints, **pause_total},
            "rules": {"sl_seconds": rules.sl_seconds, "sl_target": rules.sl_target,
                      "short_abandon_seconds": rules.short_abandon_seconds, "timezone": str(rules.zone)}}


def _order(key: Any) -> tuple[Any, ...]:
    """Groups in reading order: numbers (hours of the day, agent ids) as numbers, then text, then none."""
    if key is None:
        return (2, 0, "")
    return (0, key, "") if isinstance(key, int) else (1, 0, str(key))


def _label(key: Any, by: str, agents: Mapping[int, Mapping[str, str]]) -> str:
    if by == "hour_of_day" and isinstance(key, int):
        return f"{key:02d}:00"
    if by == "agent":
        if key is None:
            return "-"
        a = agents.get(key)
        return f"{a['name']} ({a['login']})" if a else str(key)
    return "-" if key is None else str(key)


PAUSE_COLUMNS = ("paused_minutes", "pause_over_minutes")


def _pause_cells(pauses: Mapping[Any, Mapping[str, float]], key: Any, by: str) -> dict[str, float]:
    """The agent rows' pause columns (only when grouped by agent)."""
    if by != "agent":
        return {}
    figures = pauses.get(key) or {}
    return {name: figures.get(name, 0.0) for name in PAUSE_COLUMNS}


def _no_complaints() -> dict[str, int]:
    return {"opened": 0, "closed_in_sla": 0, "closed_late": 0, "open_overdue": 0}


def complaint_counts(rows: Iterable[Mapping[str, Any]], by: str, rules: metrics.Rules,
                     now: datetime) -> dict[Any, dict[str, int]]:
    """Complaints opened in the range per group (day/hour of ``created_at``; agent = owner; queue and
    tier of the call they came from). Closed = ``resolved_at`` (else ``closed_at``); within SLA when
    that is at or before ``sla_due_at`` (no deadline: within)."""
    out: dict[Any, dict[str, int]] = {}
    for row in rows:
        if by == "agent":
            key: Any = row.get("owner_agent_id")
        elif by in ("queue", "tier"):
            key = metrics.group_key(row, by, rules.zone)
        else:
            key = metrics.group_key({"started_at": row["created_at"]}, by, rules.zone)
        c = out.setdefault(key, _no_complaints())
        c["opened"] += 1
        due = metrics.aware(row.get("sla_due_at"))
        done = metrics.aware(row.get("resolved_at") or row.get("closed_at"))
        if done is not None:
            c["closed_in_sla" if due is None or done <= due else "closed_late"] += 1
        elif due is not None and now > due:
            c["open_overdue"] += 1
    return out


CSV_COLUMNS = ("key", "label", "offered", "answered", "abandoned", "short_abandoned", "answered_in_sl", "sl",
               "asa", "aht", "abandon_rate", "survey_avg", "surveys", "missing_outcomes")
COMPLAINT_COLUMNS = ("opened", "closed_in_sla", "closed_late", "open_overdue")


def csv_cells(result: Mapping[str, Any]) -> list[list[Any]]:
    """The report as CSV cells: a header, a row per group, a total row (outcomes as name=count)."""
    pause = PAUSE_COLUMNS if result.get("by") == "agent" else ()
    header = [*CSV_COLUMNS, *(f"complaints_{c}" for c in COMPLAINT_COLUMNS), *pause, "outcomes"]
    lines: list[list[Any]] = [header]
    for row in [*result["rows"], {**result["total"], "key": "total", "label": "total"}]:
        outcomes = " ".join(f"{k}={v}" for k, v in row["outcomes"].items())
        lines.append([*(row.get(c) for c in CSV_COLUMNS), *(row["complaints"][c] for c in COMPLAINT_COLUMNS),
                      *(row.get(c) for c in pause), outcomes])
    return lines
