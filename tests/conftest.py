"""Shared fixtures: the seed disclosures of ``data/raw`` and a text that is not a budget disclosure."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_RAW_DIR = REPO_ROOT / "data" / "raw"

# a short news paragraph: readable Chinese text, but no budget table and no budget figure
NEWS_TEXT = (
    "新华社北京3月5日电 今年春节假期，全国铁路、公路、水路、民航累计发送旅客超过两亿人次，"
    "各地文化和旅游市场平稳有序。多地博物馆延长开放时间，推出非遗展演、灯会等活动，"
    "吸引大批游客参观。气象部门提醒，近期北方地区气温回升较快，公众出行注意防风防沙。\n"
)


@pytest.fixture(scope="session")
def seed_disclosures() -> list[Path]:
    files = sorted(SEED_RAW_DIR.glob("*.txt"))
    assert len(files) == 5, f"expected the five seed disclosures in {SEED_RAW_DIR}"
    return files


@pytest.fixture(scope="session")
def news_text() -> str:
    return NEWS_TEXT
