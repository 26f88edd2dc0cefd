"""The README's code blocks that tests run, found by the HTML comment before them."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def readme_block(marker: str) -> str:
    """The ```python block after ``<!-- {marker}`` in README.md."""
    readme = (REPO / "README.md").read_text()
    after = readme[readme.index(f"<!-- {marker}") :]
    match = re.search(r"```python\n(.*?)```", after, re.S)
    assert match, f"the README's {marker} block is missing"
    return match.group(1)
