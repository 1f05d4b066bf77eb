"""The reports page in a real browser: charts with axes, units and legends, readable agent names, the
same figures as the table, and the 24 hours of the day."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

from playwright.async_api import expect

from callcenter import appkeys, domain
from callcenter.demo import _national
from tests.browser.board import open_board
from tests.browser.desk import BROWSER_TIMING, PHONE
from tests.e2e.stack import eventually, running_stack

AGENTS = ("1003", "1004", "1005", "1006")


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


async def test_report_charts_have_axes_units_legends_and_agent_names_that_do_not_overlap(browser, tmp_path: Path):
    async with running_stack(tmp_path, timing=BROWSER_TIMING, wrapup=0) as stack:
        ids = {a.login: a.id for a in await stack.store.list_agents()}
        for login in AGENTS:
            stack.sim.phone(PHONE.format(login=login)).answer_after = 0.1
            stack.app[appkeys.ENGINE].post(domain.AgentGoAvailable(ids[login]))
        callers = [(_national(number), name) for number, name in await stack.store.callers(40)]
        for number, name in callers[::4][:8]:
            await stack.sim.place_call(number, name, digits=("1",), talk_seconds=0.3)
        engine = stack.app[appkeys.ENGINE]

        async def served_by_three():
            answered = [k for k, f in engine.metrics.figures("agent").items() if k is not None and f["answered"]]
            return len(answered) >= 3 or None

        await eventually(served_by_three, timeout=20.0, what="three agents answered calls")
        await stack.app[appkeys.RECORDER].flushed()

        board = await open_board(browser, stack)
        try:
            page = await board.context.new_page()
            board.watch(page)
            await page.goto(f"{stack.base_url}/reports?by=agent")
            volume = page.locator("#chart-volume svg")
            await expect(volume).to_have_attribute("data-orientation", "horizontal")   # names down the side
            # Axes say what they count and in which unit; legends name every series.
            await expect(volume.locator(".axis-title")).to_have_text(["来电数（通）", "坐席"])
            await expect(page.locator("#chart-sl svg .axis-title").first).to_have_text("服务水平（%）")
            await expect(page.locator("#chart-times svg .axis-title").first).to_have_text("时长（秒）")
            await expect(page.locator("#chart-volume .legend li")).to_have_text(["呼入", "接听", "放弃"])
            await expect(page.locator("#chart-sl .legend li")).to_have_text(["服务水平", "目标 80%"])
            await expect(page.locator("#chart-times .legend li")).to_have_text(["平均应答时间", "平均通话时长"])
            await expect(volume.locator(".tick-value").first).to_have_text("0")

            # One label per table row, the same names, none drawn over another.
            table_rows = page.get_by_test_id("report-table").locator("tbody tr:not(.report-total) th")
            names = await table_rows.all_text_contents()
            assert len(names) >= 3, names
            labels = volume.locator(".tick-label")
            await expect(labels).to_have_count(len(names))
            shown = [(await label.text_content() or "") for label in await labels.all()]
            for full, text in zip(names, shown, strict=True):
                assert text == full or (text.endswith("…") and full.startswith(text[:-1])), (full, text)
            boxes = [await label.bounding_box() for label in await labels.all()]
            assert all(box is not None and box["width"] > 0 for box in boxes)
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    assert not _overlap(a, b), (a, b)
            bars = volume.locator("rect.s-answered")
            await expect(bars.first.locator("title")).to_contain_text("接听")

            # Hour of the day: a column slot for every hour 0–23, labels not crowded over each other.
            await page.goto(f"{stack.base_url}/reports?by=hour_of_day&lang=en")
            hours = page.locator("#chart-volume svg")
            await expect(hours).to_have_attribute("data-orientation", "vertical")
            await expect(hours.locator(".axis-title")).to_have_text(["Calls", "Hour of day (0–23)"])
            await expect(page.locator("#chart-sl svg .axis-title").first).to_have_text("Service level (%)")
            await expect(page.locator("#chart-times svg .axis-title").first).to_have_text("Seconds (s)")
            hour_labels = await hours.locator(".tick-label").all()
            assert 12 <= len(hour_labels) <= 24
            texts = [await h.text_content() for h in hour_labels]
            assert texts[0] == "00:00" and all(t and t.endswith(":00") for t in texts)
            hour_boxes = [await h.bounding_box() for h in hour_labels]
            for a, b in zip(hour_boxes, hour_boxes[1:]):
                assert a is not None and b is not None and a["x"] < b["x"]
            # The table has the same hours (only those with calls, and the total).
            await expect(page.get_by_test_id("report-table").locator("tbody th").first).to_have_text(
                re.compile(r"^\d\d:00$"))
            await expect(page.get_by_test_id("report-table").locator("tbody th").last).to_have_text("Total")
        finally:
            errors = list(board.errors) + list(board.dialogs)
            with contextlib.suppress(Exception):
                await board.close()
        assert not errors, f"uncaught errors in the reports page: {errors}"
