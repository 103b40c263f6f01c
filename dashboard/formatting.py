"""Numbers as the dashboard prints them.  Money stays Decimal (万元) until it becomes text here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MISSING = "—"
CENT = Decimal("0.01")


def money(value: Decimal | int | None) -> str:
    """万元 with thousands separators and 2 decimals: ``Decimal('17361.34')`` → ``'17,361.34'``."""
    if value is None:
        return MISSING
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,}"


def share(value: Decimal | None) -> str:
    """A ratio as a percentage with 2 decimals: ``Decimal('0.004995')`` → ``'0.50%'``."""
    if value is None:
        return MISSING
    return f"{(Decimal(value) * 100).quantize(CENT, rounding=ROUND_HALF_UP):,}%"


def count(value: int | Decimal | None) -> str:
    """A head count: ``89`` → ``'89'`` (a count read as DECIMAL prints without its zeros)."""
    if value is None:
        return MISSING
    number = Decimal(value)
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,}"


def difference(value: Decimal | None) -> str:
    """A signed amount (quality issues): ``'+66.33'`` / ``'-2.00'``."""
    if value is None:
        return MISSING
    text = money(value)
    return text if text.startswith("-") else f"+{text}"


def figure_value(value: Decimal | None, value_kind: str | None) -> str:
    """A ``figure_sources`` value: money in 万元, or a head count."""
    return count(value) if value_kind == "headcount" else money(value)
