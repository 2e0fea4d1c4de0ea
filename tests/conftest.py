import os
from pathlib import Path

import pytest

# Qt must read this before it is first imported anywhere in the test session.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "spec"
SPEC_2024 = SPEC_DIR / "tradovate-openapi.api-doc-20-dev.2024.json"


@pytest.fixture(scope="session")
def openapi() -> dict:
    import json

    if not SPEC_2024.exists():
        pytest.skip(f"the Tradovate OpenAPI file is not at {SPEC_2024}")
    return json.loads(SPEC_2024.read_text())
