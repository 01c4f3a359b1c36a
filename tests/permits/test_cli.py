"""``suyuan permit list|show|certificate`` as a regulator runs them, on the API's data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests._cli import Ran, run_suyuan
from tests.permits.conftest import Permits

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _run(env: dict[str, str], *args: str) -> Ran:
    return run_suyuan(env, "permit", *args)


def test_regulator_lists_shows_and_writes_the_permit(
    permits: Permits, cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    env = {**cli_env, "SUYUAN_DATABASE_URL": database_url}
    approved = permits.approved(business_name="杏花楼")
    permits.acted(approved, "suspend", "责令停业整改。")
    pending = permits.submitted(business_name="王家沙点心店")

    listed = _run(env, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [pending, approved]
    assert "JY2310101" in lines[1]
    assert lines[1].endswith("suspended")
    only = json.loads(_run(env, "list", "--status", "pending", "--json").stdout)
    assert [p["id"] for p in only["permits"]] == [pending]

    shown = _run(env, "show", approved)
    assert shown.returncode == 0, shown.stderr
    for expected in ("杏花楼", "permit.examined", "permit.suspended", "责令停业整改。"):
        assert expected in shown.stdout, expected
    as_json = json.loads(_run(env, "show", approved, "--json").stdout)
    assert as_json["certificate"]["state"] == "suspended"

    written = _run(env, "certificate", approved, "--out", str(tmp_path / "p.pdf"))
    assert written.returncode == 0, written.stderr
    text = PdfReader(io.BytesIO((tmp_path / "p.pdf").read_bytes())).pages[0].extract_text()
    assert "杏花楼" in text
    assert as_json["certificate"]["number"] in text

    missing = _run(env, "certificate", pending, "--out", str(tmp_path / "x.pdf"))
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0
    assert f"permit application {pending} has no certificate: it is submitted" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()
    bad = _run(env, "list", "--status", "lost")
    assert (bad.returncode, "--status must be one of all, pending" in bad.stderr) == (1, True)
    unknown = _run(env, "show", "XK-310101-20260101-9999")
    assert (unknown.returncode, "no permit application XK-310101-20260101-9999" in unknown.stderr) == (
        1,
        True,
    )
