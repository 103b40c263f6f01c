"""Shared fixtures: the seed disclosures of ``data/raw``, the seeds rendered as PDFs, and a text that is not a
budget disclosure."""

from pathlib import Path

import pytest

from tools.seed_pdfs import VARIANTS, render_seed
from tools.seed_pdfs.fonts import MissingFont
from tools.seed_pdfs.libreoffice_printer import MissingLibreOffice

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_RAW_DIR = REPO_ROOT / "data" / "raw"

# a short news paragraph: readable Chinese text, but no budget table and no budget figure
NEWS_TEXT = (
    "新华社北京3月5日电 今年春节假期，全国铁路、公路、水路、民航累计发送旅客超过两亿人次，"
    "各地文化和旅游市场平稳有序。多地博物馆延长开放时间，推出非遗展演、灯会等活动，"
    "吸引大批游客参观。气象部门提醒，近期北方地区气温回升较快，公众出行注意防风防沙。\n"
)


# warehouses of deliberate variants of one disclosure, loaded side by side so that each is judged as a document of
# its own (a planted error per copy): there they are not revisions of each other (int_documents_publishable)
VARIANT_WAREHOUSE_MODULES = {"test_quality_rules", "test_final_accounts"}


@pytest.fixture(scope="module", autouse=True)
def _variants_are_not_revisions(request):
    if request.module.__name__.rsplit(".", 1)[-1] not in VARIANT_WAREHOUSE_MODULES:
        yield
        return
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BUDGET_DOCUMENT_VERSIONS", "off")
        yield


@pytest.fixture(scope="session")
def seed_disclosures() -> list[Path]:
    # the five seeds by their 00N_ names (data/raw also holds real PDFs and generated_from_* text files)
    files = sorted(p for p in SEED_RAW_DIR.glob("00[0-9]_*.txt"))
    assert len(files) == 5, f"expected the five seed disclosures in {SEED_RAW_DIR}"
    return files


@pytest.fixture(scope="session")
def rendered_seeds(seed_disclosures, tmp_path_factory) -> Path:
    """Every seed in every variant (``tools.seed_pdfs``), rendered once per test session (LibreOffice is slow);
    a missing font or LibreOffice fails with the Debian package to install."""
    out_dir = tmp_path_factory.mktemp("rendered_seeds")
    try:
        for seed in seed_disclosures:
            render_seed(seed, out_dir, VARIANTS)
    except (MissingFont, MissingLibreOffice) as error:
        pytest.fail(str(error))
    return out_dir


@pytest.fixture(scope="session")
def news_text() -> str:
    return NEWS_TEXT
