"""OCR of PDF pages that have no text layer (a scanned page, an image cover).

Placeholder until the OCR reader lands: ``ocr_available()`` is False, so such a page is a warning.
"""

from __future__ import annotations


def ocr_available() -> bool:
    return False


def ocr_page(document, index: int):
    raise NotImplementedError("OCR is not available")
