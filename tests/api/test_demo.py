"""`suyuan up --demo`: the embedded default with a seeded demo network, driven as a user would."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx


def test_up_demo_seeds_a_network_and_serves_its_consumer_page(cli_env: dict[str, str]) -> None:
    up = subprocess.Popen(
        [sys.executable, "-m", "suyuan", "up", "--demo"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert up.stdout is not None
        while not any("Ctrl-C stops" in line for line in lines):
            line = up.stdout.readline()
            assert line, "suyuan up --demo exited early:\n" + "".join(lines)
            lines.append(line)
        while not any(line.startswith("kitchen feed: ") and "incidents" in line for line in lines):
            line = up.stdout.readline()
            assert line, "suyuan up --demo exited before the kitchen feed ended:\n" + "".join(lines)
            lines.append(line)
        demo = json.loads((Path(cli_env["SUYUAN_DATA_DIR"]) / "demo.json").read_text())
        kitchen = json.loads((Path(cli_env["SUYUAN_DATA_DIR"]) / "kitchen-demo.json").read_text())
        credit = json.loads((Path(cli_env["SUYUAN_DATA_DIR"]) / "credit-demo.json").read_text())
        incidents = httpx.get(
            f"{demo['api_url']}/v1/incidents",
            headers={"Authorization": f"Bearer {kitchen['api_key']}"},
            timeout=30,
        ).json()
        page = httpx.get(demo["consumer_url"], headers={"Accept": "application/json"}, timeout=30)
        sold = httpx.get(demo["sold_consumer_url"], headers={"Accept": "application/json"}, timeout=30)
        identities = {
            org["handle"]: httpx.get(
                f"{demo['api_url']}/v1/organisations/me",
                headers={"Authorization": f"Bearer {org['api_key']}"},
                timeout=30,
            ).json()["handle"]
            for org in demo["organisations"]
        }
        regulator = next(org["api_key"] for org in demo["organisations"] if org["type"] == "regulator")
        elevators = httpx.get(
            f"{demo['api_url']}/v1/equipment",
            params={"limit": 50},
            headers={"Authorization": f"Bearer {regulator}"},
            timeout=30,
        ).json()["equipment"]
        console_line = next(line for line in lines if line.startswith("demo regulator console: "))
        risk_line = next(line for line in lines if line.startswith("demo risk warnings: "))
        assert risk_line.rstrip().endswith("(1 raised)")
        console_url, console_key = console_line.split()[3], console_line.split()[-1]
        with httpx.Client(timeout=30) as browser:
            form = browser.get(console_url + "signin")
            token = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert token is not None, form.text
            overview = browser.post(
                console_url + "signin",
                data={"api_key": console_key, "csrf": token.group(1), "next": "/console/"},
                follow_redirects=True,
            )
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)

    assert any("demo consumer page: " + demo["consumer_url"] in line for line in lines)
    assert page.status_code == 200
    assert (console_url, overview.status_code) == (demo["api_url"] + "/console/", 200)
    assert "总览" in overview.text
    assert page.json()["product"]["product_name"].startswith("Frozen white shrimp")
    assert sold.json()["code"]["status"] == "sold"
    assert [step["lot"] for step in sold.json()["lineage"]] == ["SH2026-11A", "SH2026-11"]
    assert sold.json()["counterfeit_signals"] == []
    assert [step["lot"] for step in page.json()["lineage"]] == ["SH2026-11"]
    assert identities == {org["handle"]: org["handle"] for org in demo["organisations"]}
    found = sorted(i["violation"] for i in incidents["incidents"])
    assert found == ["no_chef_hat", "no_mask", "phone_in_use", "rodent", "smoking"]
    assert {org["type"] for org in demo["organisations"]} == {
        "regulator",
        "importer",
        "wholesaler",
        "retailer",
        "maintainer",
        "user_unit",
    }
    assert len(elevators) == 12
    assert credit["plan"] is not None  # the demo regulator's plan for the month, drawn at once
    assert any(line.startswith("demo credit grades: ") for line in lines)
    assert [e["name"] for e in elevators if e["status"] == "overdue"] == ["世纪大厦 消防梯"]
