"""``suyuan filing list|show|certificate|decision`` as a regulator runs them, on the API's data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests._cli import Ran, run_suyuan
from tests.filings.conftest import Filings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _run(env: dict[str, str], *args: str) -> Ran:
    return run_suyuan(env, "filing", *args)


def test_regulator_lists_shows_and_downloads_from_the_command_line(
    filings: Filings, cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    env = {**cli_env, "SUYUAN_DATABASE_URL": database_url}
    approved = filings.approved(business_name="张记早餐铺")
    refused = filings.submitted(business_name="老王烧烤")
    filings.reviewed(refused, "refuse", "经营场所不符合要求。")
    pending = filings.submitted(business_name="李家小卖部", business_type="small_shop")

    listed = _run(env, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [pending, refused, approved]
    assert "approved" in lines[2]
    assert "SXDJ-310115-" in lines[2]
    only = json.loads(_run(env, "list", "--status", "pending", "--json").stdout)
    assert [f["id"] for f in only["filings"]] == [pending]

    shown = _run(env, "show", refused)
    assert shown.returncode == 0, shown.stderr
    assert "老王烧烤" in shown.stdout
    assert "filing.refused" in shown.stdout
    assert "经营场所不符合要求。" in shown.stdout
    as_json = json.loads(_run(env, "show", approved, "--json").stdout)
    assert [s["kind"] for s in as_json["history"]] == [
        "filing.submitted",
        "filing.accepted",
        "filing.approved",
    ]

    written = _run(env, "certificate", approved, "--out", str(tmp_path / "c.pdf"))
    assert written.returncode == 0, written.stderr
    text = PdfReader(io.BytesIO((tmp_path / "c.pdf").read_bytes())).pages[0].extract_text()
    assert "张记早餐铺" in text
    assert as_json["certificate"]["number"] in text
    decided = _run(env, "decision", refused, "--out", str(tmp_path / "d.pdf"))
    assert decided.returncode == 0, decided.stderr
    assert "不予许可决定书" in PdfReader(tmp_path / "d.pdf").pages[0].extract_text()

    missing = _run(env, "certificate", pending, "--out", str(tmp_path / "x.pdf"))
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0
    assert f"filing {pending} has no certificate: it is submitted" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()
    bad = _run(env, "list", "--status", "lost")
    assert (bad.returncode, "--status must be one of all, pending" in bad.stderr) == (1, True)
