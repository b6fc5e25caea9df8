"""What a reader sees of a page, and the internal keys in it (the house rule of test_visible_text.py, also
applied by the browser walk of tests/e2e/test_accessibility.py over the demo organisation)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
STATE_KEY = re.compile(r"\b[a-z]+:[a-z_]+\b")
HIDDEN = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "template"}
# Words that look like keys but are what people type or read: e-mail parts, URL schemes.
ALLOWED = {"http:", "https:", "mailto:"}


class _Visible(HTMLParser):
    """The text a reader sees: character data outside the hidden elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def internal_keys(text: str, data: set[str] = frozenset()) -> set[str]:
    """The snake_case words and `word:word` state keys in `text`, less e-mail addresses, URLs and data."""
    text = re.sub(r"\S+@\S+|\b\w+://\S+|/\S*", " ", text)
    found = set(SNAKE.findall(text)) | {
        k for k in STATE_KEY.findall(text) if not k.startswith(tuple(ALLOWED))
    }
    return {
        word
        for word in found
        if not word.startswith(("alpha_", "beta_")) and not any(word in value for value in data)
    }
