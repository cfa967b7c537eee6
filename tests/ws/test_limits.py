"""Bounded growth on the event routes: websockets per run and per client, replay and GET pages by bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from ws_servers import serve

from layerlab.api.testing import ServerProcess, run_body, wait_for_status

ENV = {
    "LAYERLAB_MAX_CONCURRENT_RUNS": "2",
    "LAYERLAB_MAX_RUNS_PER_CLIENT": "50",
    "LAYERLAB_MAX_WS_PER_RUN": "3",
    "LAYERLAB_MAX_WS_PER_CLIENT": "2",
    "LAYERLAB_REPLAY_CHUNK_BYTES": "20000",
    "LAYERLAB_MAX_EVENTS_RESPONSE_BYTES": "20000",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from serve(tmp_path_factory, "limits", ENV)


def _refusal(ws: ClientConnection) -> tuple[int | None, str]:
    """The close code and reason of a connection the server refuses (it closes before sending any event)."""
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_websockets_are_capped_per_client_and_per_run(server: ServerProcess, http: httpx.Client) -> None:
    run_id = http.post("/api/runs", json=run_body(dataset="spiral", n=2000, epochs=500)).json()["id"]
    url = server.ws_url(f"/api/runs/{run_id}/events")

    def open_as(client: str) -> ClientConnection:
        return connect(url, additional_headers={"X-Client-Id": client}, open_timeout=10)

    with open_as("a") as a1, open_as("a") as a2:
        assert json.loads(a1.recv(timeout=10))["seq"] == 1 and json.loads(a2.recv(timeout=10))["seq"] == 1
        with open_as("a") as a3:
            code, reason = _refusal(a3)
            assert code == 1013 and "from this client (the limit is 2)" in reason
        with open_as("b") as b1:
            assert json.loads(b1.recv(timeout=10))["seq"] == 1  # another client still gets in: 3 on the run
            with open_as("c") as c1:
                code, reason = _refusal(c1)
                assert code == 1013 and "to this run (the limit is 3)" in reason
    with open_as("a") as again:  # the slots came back when the sockets closed
        assert json.loads(again.recv(timeout=10))["seq"] == 1
    assert http.post(f"/api/runs/{run_id}/stop").status_code == 200
    wait_for_status(http, run_id, {"stopped"})


def test_history_is_served_in_pages_bounded_by_bytes(server: ServerProcess, http: httpx.Client) -> None:
    # Decision boundaries (tens of kB each) make a history far larger than one 20 kB page.
    body = run_body(dataset="spiral", n=300, epochs=8, boundary_resolution=200)
    run_id = http.post("/api/runs", json=body).json()["id"]
    wait_for_status(http, run_id, {"completed"})
    detail = http.get(f"/api/runs/{run_id}").json()
    pages: list[list[dict[str, Any]]] = []
    after = 0
    while page := http.get(f"/api/runs/{run_id}/events", params={"after": after}).json():
        pages.append(page)
        after = page[-1]["seq"]
        assert len(pages) < 100
    events = [event for page in pages for event in page]
    assert sum(len(json.dumps(event)) for event in events) > 3 * 20_000  # far more than one page may hold
    for page in pages:
        sizes = [len(json.dumps(event)) for event in page]
        assert sum(sizes[:-1]) < 20_000  # only the event that crosses the budget goes past it
    assert [e["seq"] for e in events] == list(range(1, detail["last_seq"] + 1))
    assert any(e["type"] == "decision_boundary" for e in events)
    for batch in (False, True):  # the websocket replays it whole, in rounds bounded the same way
        received: list[dict[str, Any]] = []
        with connect(server.ws_url(f"/api/runs/{run_id}/events?batch={str(batch).lower()}"), max_size=None) as ws:
            try:
                while True:
                    message = json.loads(ws.recv(timeout=10))
                    received.extend(message if isinstance(message, list) else [message])
            except ConnectionClosed:
                assert ws.close_code == 1000
        assert received == events
