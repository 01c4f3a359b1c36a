"""`suyuan up --demo` serves the phone scanner and prints a demo trader's sign-in, which works."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx


def test_up_demo_prints_the_scanner_and_a_trader_who_can_sign_in(cli_env: dict[str, str]) -> None:
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
        served = next(line for line in lines if line.startswith("phone scanner: "))
        demo = next(line for line in lines if line.startswith("demo phone scanner: "))
        found = re.match(r"demo phone scanner: (\S+)  sign in with (\S+)  \((demo-[a-z-]+),", demo)
        assert found is not None, demo
        url, key, handle = found.groups()
        with httpx.Client(timeout=30) as phone:
            form = phone.get(url + "signin")
            token = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert token is not None, form.text
            shell = phone.post(
                url + "signin", data={"api_key": key, "csrf": token.group(1)}, follow_redirects=True
            )
            me = phone.get(url + "api/me")
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)

    assert served.split()[2] == url
    assert url.endswith("/scan/")
    assert shell.status_code == 200
    assert str(shell.url) == url
    assert "本机扫码记录" in shell.text
    assert (me.json()["org"]["handle"], me.json()["org"]["org_type"]) == (handle, "retailer")
    assert key not in shell.text
