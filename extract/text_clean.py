"""Cleaning of printed text: markup residue, whitespace inside names, numbering, amounts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_TAGS = re.compile(r"</?(?:b|p|strong|span|br|i|u|td|tr)\b[^>]*>", re.IGNORECASE)
_MARKDOWN_LEAD = re.compile(r"^\s*(?:#{1,6}\s*|[-*]\s+|>\s*)")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[）)]"
    r"|其中[：:]|其中)\s*"
)
_AMOUNT = re.compile(r"^[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^[-−]?\d+(?:\.\d+)?$")


def strip_markup(text: str) -> str:
    """Remove HTML tags and Markdown emphasis/heading residue, keep the words."""
    text = _TAGS.sub("", text)
    text = text.replace("**", "").replace("__", "")
    text = _MARKDOWN_LEAD.sub("", text)
    text = text.replace("$", "")
    return text.strip()


def squash(text: str) -> str:
    """Markup removed and every whitespace dropped: how names are compared (Chinese names have none)."""
    return _SPACES.sub("", strip_markup(text))


def normalise_parens(text: str) -> str:
    return text.replace("(", "（").replace(")", "）").replace(":", "：")


def strip_numbering(name: str) -> tuple[str, bool]:
    """Drop leading list numbering (一、 （一） 1、 其中：). Returns the name and whether a 类-style
    Chinese numeral (一、) was present."""
    had_chinese_numeral = bool(re.match(r"^[一二三四五六七八九十百]+[、.．]", name))
    previous = None
    while previous != name:
        previous = name
        name = _NUMBERING.sub("", name)
    return name, had_chinese_numeral


def clean_name(text: str) -> str:
    """A subject or line name ready for matching: no markup, no whitespace, full-width parens, no numbering."""
    name = normalise_parens(squash(text))
    name, _ = strip_numbering(name)
    return name.strip("：:、.。 ")


def parse_amount(text: str) -> Decimal | None:
    """'1,036.02' → Decimal('1036.02'); '' / '-' / text → None.  Never goes through float."""
    cell = squash(text).replace("−", "-").replace("，", ",")
    if not cell or not _AMOUNT.match(cell):
        return None
    try:
        return Decimal(cell.replace(",", ""))
    except InvalidOperation:
        return None


def is_amount(text: str) -> bool:
    return parse_amount(text) is not None
