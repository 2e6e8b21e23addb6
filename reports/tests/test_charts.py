"""The inline SVG charts: an image with its title, escaped text, whole-number
lines for counts, no bar for a missing value."""

import re

from reports.charts import bar_chart


def test_a_chart_is_a_titled_image_with_escaped_text_and_one_bar_per_value():
    svg = bar_chart(
        chart_id="c",
        title="Opened <b>",
        labels=["<script>", "2"],
        series=[("A & B", "series-opened", [3, None]), ("C", "series-closed", [0, 1])],
    )
    assert svg.startswith('<svg class="chart" id="c" viewBox="0 0 720 240" role="img"')
    assert '<title id="c-title">Opened &lt;b&gt;</title>' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "A &amp; B" in svg
    assert len(re.findall(r"<rect ", svg)) == 3  # None draws nothing, 0 a flat bar
    # Counts up to 3: a top of 5, a line per unit, never 1.5.
    axis = re.findall(r'text-anchor="end">([^<]+)<', svg)
    assert axis == ["0", "1", "2", "3", "4", "5"]


def test_times_get_five_lines_up_to_a_round_top():
    svg = bar_chart(chart_id="t", title="t", labels=["a"], series=[("m", "x", [12.5])])
    assert re.findall(r'text-anchor="end">([^<]+)<', svg) == ["0", "5", "10", "15", "20"]
