"""``suyuan enforcement …`` in process: keys made and PDFs signed locally, inspections listed and
shown and signed documents verified on the API's data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from suyuan.cli import app
from tests.enforcement.conftest import Enforcement, findings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_inspector_signs_locally_and_anyone_verifies(
    enforcement: Enforcement, cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    env = {**cli_env, "SUYUAN_DATABASE_URL": database_url}
    runner = CliRunner()
    api = enforcement.api
    api.add_org("noodles", "restaurant")
    response = enforcement.add_inspector("wang")
    api.keys["wang"] = response.json()["api_key"]

    key = tmp_path / "wang.pem"
    made = runner.invoke(app, ["enforcement", "keygen", str(key)], env=env)
    assert made.exit_code == 0, made.output
    assert key.stat().st_mode & 0o777 == 0o600
    public = made.output.strip()
    assert public.startswith("-----BEGIN PUBLIC KEY-----")
    registered = api.as_org(
        "wang", "PUT", "/v1/enforcement/inspectors/me/signing-key", json={"public_key": public}
    )
    assert registered.status_code == 200, registered.text
    assert runner.invoke(app, ["enforcement", "keygen", str(key)], env=env).exit_code != 0  # never overwrites

    number = enforcement.recorded("wang", "noodles", findings=findings({"C3": "无进货台账"}))["id"]
    issued = api.as_org(
        "wang", "POST", f"/v1/enforcement/inspections/{number}/documents", json={"kind": "inspection_record"}
    )
    assert issued.status_code == 201, issued.text
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(api.as_org("wang", "GET", f"/v1/enforcement/documents/{number}-BL/pdf").content)
    signed = runner.invoke(app, ["enforcement", "sign", str(pdf), "--key", str(key)], env=env)
    assert signed.exit_code == 0, signed.output
    body = json.loads(signed.output)
    sent = api.as_org("wang", "POST", f"/v1/enforcement/documents/{number}-BL/signature", json=body)
    assert sent.status_code == 201, sent.text

    listed = runner.invoke(app, ["enforcement", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert listed.output.split()[0] == number
    shown = runner.invoke(app, ["enforcement", "show", number], env=env)
    assert "无进货台账" in shown.output

    checked = runner.invoke(app, ["enforcement", "verify", str(pdf), "--json"], env=env)
    assert checked.exit_code == 0, checked.output
    result = json.loads(checked.output)
    assert result["document_id"] == f"{number}-BL"
    assert result["signature"]["valid"] is True

    tampered = tmp_path / "tampered.pdf"
    data = pdf.read_bytes()
    tampered.write_bytes(data[:-10] + b"%%EOF\n\n\n\n\n")
    refused = runner.invoke(app, ["enforcement", "verify", str(tampered)], env=env)
    assert refused.exit_code != 0
    assert "matches no signed enforcement document" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
