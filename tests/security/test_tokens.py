"""Shopper tokens: no public secret in production, and `aud` as identity providers issue it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest
from comptoir.graph.app import create_app
from comptoir.sources.registry import SOURCES

from comptoir.auth import MissingSecret
from comptoir.settings import DEMO_JWT_SECRET
from tests.conftest import WEB_KEY, Comptoir, ReferenceSources, reference_settings
from tests.support.processes import wait_for
from tests.support.servers import free_port

ME = "{ me { id } }"
SHOPPER = "CU-100001"


def token(**claims: object) -> str:
    return jwt.encode(
        {"sub": SHOPPER, "exp": int(time.time()) + 600, **claims}, DEMO_JWT_SECRET, "HS256"
    )


def me(comptoir: Comptoir, bearer: str) -> httpx.Response:
    return comptoir.post(ME, headers={"Authorization": f"Bearer {bearer}"})


def test_an_aud_is_not_judged_when_no_audience_is_configured(comptoir: Comptoir) -> None:
    for aud in ("https://id.example.com", ["comptoir", "crm"]):
        response = me(comptoir, token(aud=aud))
        assert response.status_code == 200 and response.json()["data"]["me"] == {"id": SHOPPER}


def test_a_configured_audience_is_required(start_comptoir: Callable[..., Comptoir]) -> None:
    comptoir = start_comptoir(jwt_audience="comptoir")
    assert me(comptoir, token(aud="comptoir")).json()["data"]["me"] == {"id": SHOPPER}
    assert me(comptoir, token(aud=["crm", "comptoir"])).status_code == 200
    for wrong in (token(aud="crm"), token()):
        response = me(comptoir, wrong)
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_sources_configured_without_a_secret_refuse_to_start(
    reference: ReferenceSources, tmp_path: Path
) -> None:
    settings = reference_settings(reference, tmp_path, jwt_secret=None)
    with pytest.raises(MissingSecret) as refused:
        create_app(settings)
    message = str(refused.value)
    assert "set COMPTOIR_JWT_SECRET" in message and "COMPTOIR_PIM_URL" in message
    assert "COMPTOIR_DEMO" in message
    # On purpose, for a demo: it starts.
    create_app(reference_settings(reference, tmp_path, jwt_secret=None, demo=True))


def test_comptoir_serve_says_what_to_set(reference: ReferenceSources, tmp_path: Path) -> None:
    env = {**os.environ, "COMPTOIR_DATA_DIR": str(tmp_path / "state")}
    env.pop("COMPTOIR_JWT_SECRET", None)
    env.pop("COMPTOIR_DEMO", None)
    env |= {f"COMPTOIR_{name.upper()}_URL": reference.url(name) for name in SOURCES.names()}
    done = subprocess.run(
        [sys.executable, "-m", "comptoir.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "set COMPTOIR_JWT_SECRET" in done.stderr and "Traceback" not in done.stderr


def test_comptoir_serve_with_no_configuration_runs_the_demo(
    demo_data: Path, tmp_path: Path
) -> None:
    """The README's first command: no COMPTOIR_* but where the data is, the embedded demo."""
    data_dir = tmp_path / "data"
    shutil.copytree(demo_data, data_dir / "demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    env |= {"COMPTOIR_DATA_DIR": str(data_dir), "COMPTOIR_DEMO_SCALE": "small"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = ["serve", "--workers", "2", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen([sys.executable, "-m", "comptoir.cli", *command], env=env)  # noqa: S603
    try:
        wait_for(lambda: _answers(url, process), timeout_s=60)
        response = httpx.post(
            f"{url}/graphql",
            json={"query": ME},
            headers={"X-Channel-Key": WEB_KEY, "Authorization": f"Bearer {token()}"},
            timeout=30,
        )
        assert response.status_code == 200 and response.json()["data"]["me"] == {"id": SHOPPER}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _answers(url: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, "comptoir serve exited"
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
