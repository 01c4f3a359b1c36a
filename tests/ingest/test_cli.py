"""`suyuan device …` and `suyuan ingest mqtt` as an operator runs them, against the database the
trace API serves (organisations are admitted and devices read back through the API)."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from tests._cli import Ran, run_suyuan
from tests.api.conftest import Api
from trace_api.devices import Device, verify_password

STORE = "urn:epc:id:sgln:9506000.00001.0"


def suyuan(env: dict[str, str], *args: str) -> Ran:
    return run_suyuan(env, *args)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: these commands run the registry code the API tests cover on both databases."""
    return f"sqlite:///{tmp_path / 'suyuan.db'}"


@pytest.fixture
def registry_env(api: Api, cli_env: dict[str, str]) -> dict[str, str]:
    """The CLI on the API's database, with importer ``haixian`` and wholesaler ``shichang`` admitted."""
    api.add_org("haixian", "importer")
    api.add_org("shichang", "wholesaler")
    database_url = api.services.settings.database_url
    assert database_url is not None
    return {**cli_env, "SUYUAN_DATABASE_URL": database_url}


def add_device(api: Api, handle: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.as_org(handle, "POST", "/v1/devices", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_device_add_prints_credentials_that_the_registry_accepts(
    api: Api, registry_env: dict[str, str]
) -> None:
    result = suyuan(
        registry_env,
        "device", "add", "--org", "haixian", "--name", "cs-01", "--kinds", "temperature,door",
        "--location", STORE, "--storage-class", "frozen",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "MQTT username: haixian/cs-01" in result.stdout.splitlines()
    found = re.search(r"^MQTT password \(shown once\): (\S+)$", result.stdout, re.MULTILINE)
    assert found is not None, result.stdout
    with Session(api.services.engine) as session:
        stored = session.exec(select(Device).where(Device.username == "haixian/cs-01")).one()
    assert verify_password(found.group(1), stored.password_hash)
    device = api.as_org("haixian", "GET", "/v1/devices/cs-01").json()
    assert (device["kinds"], device["location"], device["storage_class"]) == (
        ["door", "temperature"],
        STORE,
        "frozen",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope", "--location", STORE], "no organisation 'nope'"),
        (["--org", "nope", "--location", STORE, "--storage-class", "hot"], "invalid --storage-class"),
        (
            ["--org", "nope", "--location", STORE, "--vehicle", "沪A12345"],
            "invalid --vehicle: give either location or vehicle",
        ),
    ],
    ids=["unknown-org", "bad-storage-class", "location-and-vehicle"],
)
def test_device_add_with_bad_input_fails_with_one_line(
    cli_env: dict[str, str], args: list[str], message: str
) -> None:
    result = suyuan(cli_env, "device", "add", "--name", "cs-01", *args)

    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert message in line
    assert "password" not in result.stdout


def test_device_list_json_matches_what_the_regulator_sees(api: Api, registry_env: dict[str, str]) -> None:
    add_device(api, "haixian", {"name": "cs-01", "kinds": ["temperature"], "location": STORE})
    add_device(api, "shichang", {"name": "truck-7", "kinds": ["temperature"], "vehicle": "沪A12345"})

    result = suyuan(registry_env, "device", "list", "--json")

    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [d["username"] for d in listed] == ["haixian/cs-01", "shichang/truck-7"]
    assert listed == api.as_org("samr", "GET", "/v1/devices").json()["devices"]


def test_device_list_shows_each_device_place_as_registered(api: Api, registry_env: dict[str, str]) -> None:
    add_device(api, "haixian", {"name": "cs-01", "kinds": ["temperature"], "location": "Cold store [north]"})
    add_device(api, "shichang", {"name": "truck-7", "kinds": ["temperature"], "vehicle": "沪A12345"})

    result = suyuan(registry_env, "device", "list", "--org", "haixian")

    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.strip().splitlines()
    assert line.startswith("haixian/cs-01 ")
    assert "Cold store [north]" in line


def test_device_retire_stops_the_device(api: Api, registry_env: dict[str, str]) -> None:
    add_device(api, "haixian", {"name": "cs-01", "kinds": ["temperature"], "location": STORE})

    result = suyuan(registry_env, "device", "retire", "--org", "haixian", "--name", "cs-01")

    assert result.returncode == 0, result.stderr
    assert "retired haixian/cs-01" in result.stdout
    assert api.as_org("haixian", "GET", "/v1/devices/cs-01").json()["retired_at"] is not None


def test_device_passwd_file_holds_active_devices_and_the_service_user_only(
    api: Api, registry_env: dict[str, str], tmp_path: Path
) -> None:
    active = add_device(api, "haixian", {"name": "cs-01", "kinds": ["temperature"], "location": STORE})
    add_device(api, "shichang", {"name": "truck-7", "kinds": ["temperature"], "vehicle": "沪A12345"})
    assert api.as_org("shichang", "POST", "/v1/devices/truck-7/retire").status_code == 200
    path = tmp_path / "passwd"
    path.write_text("stale/device:$7$101$c2FsdA==$aGFzaA==\n")
    path.chmod(0o644)
    env = {**registry_env, "SUYUAN_MQTT_URL": "mqtt://suyuan:secret@127.0.0.1:1883"}

    result = suyuan(env, "device", "passwd-file", str(path))

    assert result.returncode == 0, result.stderr
    hashes = dict(line.split(":", 1) for line in path.read_text().splitlines())
    assert sorted(hashes) == ["haixian/cs-01", "suyuan"]
    assert all(h.startswith("$7$") for h in hashes.values())
    assert verify_password(active["mqtt"]["password"], hashes["haixian/cs-01"])
    assert verify_password("secret", hashes["suyuan"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_ingest_mqtt_without_broker_url_fails_naming_the_setting(cli_env: dict[str, str]) -> None:
    result = suyuan(cli_env, "ingest", "mqtt")

    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert "SUYUAN_MQTT_URL" in line
