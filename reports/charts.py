"""Bar charts as inline SVG, drawn on the server: no script, no third party.

Colours come from classes (reports.css), so the page's Content-Security-Policy
needs no inline style. Each chart is an image with a title, and the page puts
the same figures in a table beside it: the table is the accessible version.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 28
TICKS = 4


def _nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(
    *, chart_id: str, title: str, labels: list[str], series: list[tuple[str, str, list]]
) -> SafeString:
    """Grouped bars: ``series`` is (name, css class, values) with one value per
    label (None: nothing to draw). The title and the legend name everything."""
    values = [v for _, _, vs in series for v in vs if v is not None]
    top = _nice_top(max(values, default=0))
    ticks = TICKS
    if all(isinstance(v, int) for v in values):
        # Counts: whole-number lines only (a top of 1..5 has one line per unit;
        # above, the tops 10, 20, 50... divide by five).
        top = max(int(top), 1)
        ticks = top if top <= 5 else 5
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar = max(1.0, slot * 0.8 / max(len(series), 1))
    parts = []
    for tick in range(ticks + 1):
        y = TOP + plot_h - plot_h * tick / ticks
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                f"{y:.1f}",
                f"{y:.1f}",
                LEFT - 4,
                f"{y + 4:.1f}",
                _number(top * tick / ticks),
            )  # fmt: skip
        )
    every = max(1, len(labels) // 10)  # at most about ten labels under the axis
    for index, label in enumerate(labels):
        x0 = LEFT + slot * index + slot * 0.1
        for position, (name, css, vs) in enumerate(series):
            value = vs[index]
            if value is None:
                continue
            h = plot_h * value / top
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{}: {}</title></rect>",
                    css,
                    f"{x0 + bar * position:.1f}",
                    f"{TOP + plot_h - h:.1f}",
                    f"{bar:.1f}",
                    f"{h:.1f}",
                    f"{label}, {name}",
                    _number(value),
                )  # fmt: skip
            )
        if index % every == 0:
            parts.append(
                format_html(
                    '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{LEFT + slot * index + slot / 2:.1f}",
                    HEIGHT - 8,
                    label,
                )  # fmt: skip
            )
    legend = format_html_join(
        "",
        '<li><span class="swatch {}" aria-hidden="true"></span>{}</li>',
        ((css, name) for name, css, _ in series),
    )
    svg = format_html(
        '<svg class="chart" id="{}" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title">'
        '<title id="{}-title">{}</title>{}</svg><ul class="chart-legend">{}</ul>',
        chart_id, WIDTH, HEIGHT, chart_id, chart_id, title,
        format_html_join("", "{}", ((part,) for part in parts)), legend,
    )  # fmt: skip
    return svg
