"""``callcenter tiers reassess``: recompute every customer's tier with the tier model and keep the history.

Theory of operation: customers are read in pages of ``batch_size`` by primary key (keyset pagination:
``id > last id ORDER BY id LIMIT n``, an index range scan whatever the page), scored with the pure
:func:`callcenter.tiers.score`, and each page is applied in ITS OWN write transaction: one
``executemany`` UPDATE for the customers whose type or class changed, one INSERT of their
``tier_changes`` rows (from, to, the value that decided and the explanation, the run id), and one range
UPDATE stamping ``tier_assessed_at``. A crash loses at most the page in flight, and a re-run redoes
only what still differs. Running twice changes nothing the second time: the score is a function of
stored facts, so the second run finds every tier equal to its score.

Customers with no facts (``account_kind`` NULL, e.g. added by an agent before the CRM feed ran) are
skipped and keep their tier. With ``only_due=True`` only customers not assessed since the start of
the current quarter are read (:func:`callcenter.tiers.is_due`).
"""
from __future__ import annotations

import sys
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tqdm import tqdm

from callcenter.tiers import Facts, TierModel, quarter_start, score
from crm_bridge import tier_history
from crm_bridge.models import utcnow
from crm_bridge.store import Store
from crm_bridge.tier_history import TierMove


@dataclass(frozen=True, slots=True)
class ReassessSummary:
    run_id: str
    now: datetime
    scanned: int                 # customers read
    assessed: int                # of which scored (the others have no facts)
    changed: int                 # of which moved to another type or class
    # ("vip/major", "individual/named") -> how many moved that way
    transitions: Mapping[tuple[str, str], int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        return self.scanned - self.assessed

    def lines(self) -> list[str]:
        """Human-readable lines for the command to print."""
        out = [(f"tier reassessment {self.run_id}: {self.scanned} customers read, {self.assessed} assessed, "
               f"{self.skipped} without facts, {self.changed} changed in {self.seconds:.1f} s")]
        out += [f"  {old:<21} -> {new:<21} {n}" for (old, new), n in
                sorted(self.transitions.items(), key=lambda kv: (-kv[1], kv[0]))]
        return out


async def reassess(store: Store, model: TierModel, *, now: datetime, batch_size: int = 1000,
                   progress: bool = True, only_due: bool = False) -> ReassessSummary:
    """Recompute the tiers of every customer (see the module docstring). *now* is aware."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    run_id = str(uuid.uuid4())
    due_before = quarter_start(now) if only_due else None
    started = time.perf_counter()
    async with store.connect() as conn:
        total = await tier_history.count_customers(conn)
    transitions: Counter[tuple[str, str]] = Counter()
    scanned = assessed = 0
    last_id = 0
    bar = tqdm(total=total, unit="customer", unit_scale=True, desc="reassess", file=sys.stderr,
               disable=not (progress and sys.stderr.isatty()))
    try:
        while True:
            async with store.connect(write=True) as conn:
                rows = await tier_history.facts_page(conn, last_id, batch_size, due_before=due_before)
                if not rows:
                    break
                moves = _moves(rows, model)
                await tier_history.apply_moves(conn, moves, now=now, run_id=run_id)
                await tier_history.mark_assessed(conn, rows[0]["id"], rows[-1]["id"], now=now,
                                                 due_before=due_before)
            # Counted after the commit: the summary reports what is in the database.
            last_id = rows[-1]["id"]
            scanned += len(rows)
            assessed += sum(1 for r in rows if r["account_kind"] is not None)
            transitions.update((f"{m.from_type}/{m.from_class}", f"{m.to_type}/{m.to_class}") for m in moves)
            bar.update(len(rows))
    finally:
        bar.close()
    return ReassessSummary(run_id=run_id, now=now, scanned=scanned, assessed=assessed,
                           changed=sum(transitions.values()), transitions=dict(transitions),
                           seconds=time.perf_counter() - started)


def _moves(rows: Any, model: TierModel) -> list[TierMove]:
    moves: list[TierMove] = []
    for row in rows:
        kind = row["account_kind"]
        if kind is None:
            continue
        facts = Facts(account_kind=kind, spend_12m=row["spend_12m"] or 0,
                      contribution_12m=row["contribution_12m"] or 0, tenure_months=row["tenure_months"] or 0,
                      products=row["products"] or 0, potential=row["potential"] or 0.0)
        result = score(facts, model, explain=False)
        if (result.customer_type, result.value_class) == (row["customer_type"], row["value_class"]):
            continue
        result = score(facts, model)
        moves.append(TierMove(row["id"], row["customer_type"], row["value_class"], result.customer_type,
                              result.value_class, result.value, result.explanation))
    return moves


async def run(database_url: str, model: TierModel, *, only_due: bool = False, batch_size: int = 1000,
              progress: bool = True, now: datetime | None = None) -> ReassessSummary:
    """Entry point for ``callcenter tiers reassess``: open the store, reassess, close."""
    store = Store(database_url)
    await store.open()
    try:
        return await reassess(store, model, now=now or utcnow(), batch_size=batch_size, progress=progress,
                              only_due=only_due)
    finally:
        await store.close()
