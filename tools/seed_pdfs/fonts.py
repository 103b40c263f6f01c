"""The CJK font embedded in the rendered PDFs.

reportlab embeds TrueType outlines only (Noto CJK is CFF and cannot be embedded), so the reportlab
variants use WenQuanYi Zen Hei from the Debian package ``fonts-wqy-zenhei``; the LibreOffice variant
asks for the same family by name.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT_NAME = "WenQuanYiZenHei"  # the name reportlab knows it by
CJK_FONT_FAMILY = "WenQuanYi Zen Hei"  # the family name fontconfig (and so LibreOffice) knows it by
CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
DEBIAN_FONT_PACKAGE = "fonts-wqy-zenhei"


class MissingFont(RuntimeError):
    """The CJK TrueType font is not installed."""


def register_cjk_font() -> str:
    """Register the CJK font with reportlab (once) and return its name."""
    if CJK_FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return CJK_FONT_NAME
    if not CJK_FONT_PATH.exists():
        raise MissingFont(
            f"the CJK TrueType font {CJK_FONT_PATH} is missing: install the Debian package "
            f"{DEBIAN_FONT_PACKAGE} (apt-get install -y {DEBIAN_FONT_PACKAGE})"
        )
    pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(CJK_FONT_PATH), subfontIndex=0))
    return CJK_FONT_NAME
