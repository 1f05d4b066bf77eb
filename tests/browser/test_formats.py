"""Dates and numbers as each language's reader expects them (static/js/format.js, run in Chromium's Intl).

English spells the month and never writes a day-first date; Chinese writes 年月日; clocks are 24-hour;
a report's day or hour (the center's wall clock) is shown as it is, whatever the browser's zone.
"""
from __future__ import annotations

CASES = """async () => {
  const f = await import("/static/js/format.js");
  const at = "2026-03-04T06:05:00+00:00";            // 14:05 in Shanghai
  const out = {};
  for (const lang of ["zh", "en"]) {
    out[lang] = {
      dateTime: f.formatDateTime(at, lang), clock: f.formatClock(at, lang),
      day: f.formatWallClock("2026-03-04", lang), hour: f.formatWallClock("2026-03-04 09:00", lang),
      number: f.formatNumber(12345.67, lang), percent: f.formatPercent(0.955, lang),
      seconds: f.formatSeconds(12.4, lang), none: f.formatPercent(null, lang), bad: f.formatDateTime("soon", lang),
    };
  }
  return out;
}"""


async def test_dates_and_numbers_in_each_language(browser, stack):
    context = await browser.new_context(timezone_id="Asia/Shanghai", locale="en")
    page = await context.new_page()
    await page.goto(f"{stack.base_url}/login")
    try:
        got = await page.evaluate(CASES)
    finally:
        await context.close()
    en, zh = got["en"], got["zh"]
    # English spells the month (never day-first digits); Chinese writes 年月日; clocks are 24-hour
    assert en["dateTime"] == "Mar 4, 2026, 02:05 PM" and zh["dateTime"] == "2026年3月4日 14:05"
    assert en["clock"] == "14:05" and zh["clock"] == "14:05"
    # a report's day and hour are the center's wall clock, not shifted by the browser's zone
    assert en["day"] == "Mar 4, 2026" and zh["day"] == "2026年3月4日"
    assert en["hour"] == "Mar 4, 2026, 09:00" and zh["hour"] == "2026年3月4日 09:00"
    assert en["number"] == "12,346" and zh["number"] == "12,346"
    assert en["percent"] == "95.5%" and zh["percent"] == "95.5%"
    assert en["seconds"] == "12s" and zh["seconds"] == "12秒"
    assert en["none"] == "–" and en["bad"] == ""
