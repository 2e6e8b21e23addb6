"""docs/screenshots.md shows pictures that exist, and they stay small."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_picture_of_the_page_is_committed_and_small():
    page = (DOCS / "screenshots.md").read_text()
    pictures = re.findall(r"!\[[^\]]+\]\((screenshots/[\w-]+\.png)\)", page)
    assert len(pictures) >= 8
    sizes = {picture: (DOCS / picture).stat().st_size for picture in pictures}
    assert all(size < 200_000 for size in sizes.values()), sizes
    assert sum(sizes.values()) < 2_000_000
    unused = {p.name for p in (DOCS / "screenshots").glob("*.png")} - {
        Path(p).name for p in pictures
    }
    assert unused == set()
