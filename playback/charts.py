"""Server-side SVG charts of our own: no JavaScript, no library, no CDN.

Every chart is built with ElementTree, which escapes every label and attribute, so a title
named ``<script>`` stays text and the markup is well-formed XML by construction. Each SVG is
``role="img"`` with a ``<title>`` and a ``<desc>`` (a sentence with the key numbers); the page
puts the full numbers in a table under it, the chart's text alternative. Colours are
presentation attributes with CSS hooks (``chart-*`` classes) so that the admin's dark theme can
recolour the text and the grid.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
WIDTH = 520  # a half-width card: about one user unit per CSS pixel
FONT_SIZE = 12
MAX_BAR_WIDTH = 64
TEXT_COLOUR = "#555"
GRID_COLOUR = "#ddd"
# Okabe and Ito's palette: told apart by readers with any common colour-vision deficiency.
PALETTE = ("#D55E00", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
OTHER_COLOUR = "#999999"


@dataclass(frozen=True)
class Bar:
    label: str  # the bar's full label, in its tooltip
    value: int
    tick: str = ""  # the label under the axis; empty leaves a gap between labelled bars


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class StackedBar:
    label: str
    values: dict[str, int]  # series name -> value


def palette(names: Sequence[str], *, other: str | None = None) -> list[Series]:
    """A colour for each name, in order; ``other`` (a catch-all series) is always grey."""
    series = [Series(name, PALETTE[index % len(PALETTE)]) for index, name in enumerate(names)]
    return [*series, Series(other, OTHER_COLOUR)] if other else series


def nice_ceiling(value: int, *, ticks: int = 5) -> tuple[int, int]:
    """(top of the axis, step between gridlines): a 1, 2 or 5 times a power of ten step,
    about ``ticks`` gridlines, never a fraction of a session."""
    if value <= 0:
        return ticks, 1
    rough = value / ticks
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(
        max(int(factor * magnitude), 1) for factor in (1, 2, 5, 10) if factor * magnitude >= rough
    )
    return step * math.ceil(value / step), step


def column_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    colour: str,
    unit: str,
    width: int = WIDTH,
    height: int = 240,
    show_values: bool = False,
) -> SafeString:
    """Vertical bars over a category axis (days, buckets), gridlines on the value axis."""
    svg = _svg(chart_id, title, desc, width, height)
    left, right, top, bottom = 44, 8, 18, 30
    plot_width, plot_height = width - left - right, height - top - bottom
    axis_top, step = nice_ceiling(max((bar.value for bar in bars), default=0))
    for tick in range(0, axis_top + 1, step):
        y = top + plot_height - plot_height * tick / axis_top
        _line(svg, left, y, width - right, y, css_class="chart-grid")
        _text(svg, left - 6, y + 4, f"{tick:,}", anchor="end")
    slot = plot_width / max(len(bars), 1)
    bar_width = min(slot - min(slot * 0.2, 8), MAX_BAR_WIDTH)
    for index, bar in enumerate(bars):
        middle = left + (index + 0.5) * slot
        bar_height = plot_height * bar.value / axis_top
        rect = _rect(
            svg,
            middle - bar_width / 2,
            top + plot_height - bar_height,
            bar_width,
            bar_height,
            fill=colour,
        )
        ET.SubElement(rect, "title").text = f"{bar.label}: {bar.value:,} {unit}"
        if bar.tick:
            _text(svg, middle, height - bottom + 16, bar.tick, anchor="middle")
        if show_values and bar.value:
            _text(
                svg,
                middle,
                top + plot_height - bar_height - 4,
                f"{bar.value:,}",
                anchor="middle",
                css_class="chart-value",
            )
    _line(svg, left, top + plot_height, width - right, top + plot_height, css_class="chart-axis")
    if not bars or not any(bar.value for bar in bars):
        _empty(svg, left + plot_width / 2, top + plot_height / 2)
    return _render(svg)


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: Sequence[StackedBar],
    series: Sequence[Series],
    unit: str,
    label_width: int = 150,
) -> SafeString:
    """Horizontal bars, one per row, split by series; a legend on top, totals at the ends."""
    left, right, row_height, bottom = label_width, 48, 30, 22
    legend = _legend_layout(series, x=8, width=WIDTH - 16)
    legend_height = 18 * (max((line for _, _, line in legend), default=0) + 1) + 12
    height = legend_height + max(len(rows), 1) * row_height + bottom
    svg = _svg(chart_id, title, desc, WIDTH, height)
    for item, x, line in legend:
        _rect(svg, x, 4 + line * 18, 10, 10, fill=item.colour)
        _text(svg, x + 14, 13 + line * 18, item.name)
    plot_width = WIDTH - left - right
    axis_top, step = nice_ceiling(max((sum(row.values.values()) for row in rows), default=0))
    plot_bottom = legend_height + len(rows) * row_height
    for tick in range(0, axis_top + 1, step):
        x = left + plot_width * tick / axis_top
        _line(svg, x, legend_height - 4, x, plot_bottom, css_class="chart-grid")
        _text(svg, x, plot_bottom + 15, f"{tick:,}", anchor="middle")
    for index, row in enumerate(rows):
        y = legend_height + index * row_height
        label = _text(svg, left - 8, y + row_height / 2 + 4, _shorten(row.label, 21), anchor="end")
        ET.SubElement(label, "title").text = row.label
        x = float(left)
        for item in series:
            value = row.values.get(item.name, 0)
            if not value:
                continue
            width = plot_width * value / axis_top
            rect = _rect(svg, x, y + 5, width, row_height - 10, fill=item.colour)
            ET.SubElement(rect, "title").text = f"{row.label}, {item.name}: {value:,} {unit}"
            x += width
        _text(
            svg,
            x + 6,
            y + row_height / 2 + 4,
            f"{sum(row.values.values()):,}",
            css_class="chart-value",
        )
    if not rows:
        _empty(svg, left + plot_width / 2, legend_height + row_height / 2 + 4)
    return _render(svg)


# --- Building blocks -------------------------------------------------------------------------


def _svg(chart_id: str, title: str, desc: str, width: int, height: int) -> ET.Element:
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NAMESPACE,
            "viewBox": f"0 0 {width} {height}",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "class": "chart",
            "id": chart_id,
            "font-size": str(FONT_SIZE),
        },
    )
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = desc
    return svg


def _render(svg: ET.Element) -> SafeString:
    # ElementTree escaped every text and attribute value when serialising.
    return mark_safe(ET.tostring(svg, encoding="unicode"))  # noqa: S308


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _rect(
    svg: ET.Element, x: float, y: float, width: float, height: float, *, fill: str
) -> ET.Element:
    return ET.SubElement(
        svg,
        "rect",
        {
            "x": _number(x),
            "y": _number(y),
            "width": _number(max(width, 0)),
            "height": _number(max(height, 0)),
            "fill": fill,
            "rx": "2",
        },
    )


def _line(svg: ET.Element, x1: float, y1: float, x2: float, y2: float, *, css_class: str) -> None:
    ET.SubElement(
        svg,
        "line",
        {
            "x1": _number(x1),
            "y1": _number(y1),
            "x2": _number(x2),
            "y2": _number(y2),
            "stroke": GRID_COLOUR if css_class == "chart-grid" else TEXT_COLOUR,
            "class": css_class,
        },
    )


def _text(
    svg: ET.Element,
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    css_class: str = "chart-label",
) -> ET.Element:
    element = ET.SubElement(
        svg,
        "text",
        {
            "x": _number(x),
            "y": _number(y),
            "text-anchor": anchor,
            "fill": TEXT_COLOUR,
            "class": css_class,
        },
    )
    element.text = text
    return element


def _legend_layout(
    series: Sequence[Series], *, x: float, width: float
) -> list[tuple[Series, float, int]]:
    """(series, x, line) for each legend entry, wrapping onto a new line when full."""
    placed, cursor, line = [], x, 0
    for item in series:
        item_width = 14 + len(item.name) * FONT_SIZE * 0.6 + 14
        if cursor > x and cursor + item_width > x + width:
            cursor, line = x, line + 1
        placed.append((item, cursor, line))
        cursor += item_width
    return placed


def _empty(svg: ET.Element, x: float, y: float) -> None:
    _text(svg, x, y, "No sessions in this period", anchor="middle", css_class="chart-empty")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
