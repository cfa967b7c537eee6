"""NetworkLog: every response one browser tab fetched, from Chromium's own network log (CDP).

For the page-weight browser test and ``bench/page_weight.py``. Per response: the bytes that
came over the wire (headers included; compressed where the server compressed), the decoded
body size, the status as the network sent it (a revalidated copy is a 304, though the page
sees a 200) and whether a cache answered. Works with Playwright's sync API (a
``BrowserContext`` and one of its pages); Playwright itself is not imported here.

Example::

    page = context.new_page()
    log = NetworkLog.attach(context, page)
    page.goto(url)
    log.wait_until_quiet(page)          # idle preloads included
    log.transferred, log.downloaded_scripts()
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Fetch", "NetworkLog"]


@dataclass
class Fetch:
    """One request and its response."""

    url: str = ""
    #: Chromium's resource type: Document, Script, Stylesheet, Fetch, Image, Other …
    kind: str = ""
    #: The status as the network sent it (304 for a revalidated copy); a cached copy's own status otherwise.
    status: int = 0
    encoding: str = ""
    cache_control: str = ""
    #: Answered by the memory or disk cache (no request went out).
    cached: bool = False
    transferred: int = 0
    body: int = 0
    done: bool = False

    @property
    def path(self) -> str:
        """The URL's path (``/assets/index-….js``)."""
        return urlsplit(self.url).path


@dataclass
class NetworkLog:
    """The responses of one tab, filled by CDP events as they arrive."""

    fetches: dict[str, Fetch] = field(default_factory=dict)
    last_activity: float = field(default_factory=time.monotonic)

    @classmethod
    def attach(cls, context: Any, page: Any) -> NetworkLog:
        """Start recording ``page`` (a Playwright page of ``context``) before it navigates."""
        log = cls()
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", log._on_request)
        cdp.on("Network.responseReceived", log._on_response)
        cdp.on("Network.responseReceivedExtraInfo", log._on_wire)
        cdp.on("Network.dataReceived", log._on_data)
        cdp.on("Network.requestServedFromCache", log._on_cached)
        cdp.on("Network.loadingFinished", log._on_finished)
        cdp.on("Network.loadingFailed", log._on_failed)
        cdp.send("Network.enable")
        return log

    def wait_until_quiet(self, page: Any, quiet_s: float = 3.0, timeout_s: float = 30.0) -> None:
        """Wait until nothing is in flight and nothing new started for ``quiet_s`` (at most ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pending = any(not f.done for f in self.fetches.values())
            if not pending and time.monotonic() - self.last_activity >= quiet_s:
                return
            page.wait_for_timeout(200)

    @property
    def transferred(self) -> int:
        """Bytes over the wire, all responses together."""
        return sum(f.transferred for f in self.fetches.values())

    @property
    def body(self) -> int:
        """Decoded bytes, all responses together."""
        return sum(f.body for f in self.fetches.values())

    def of_kind(self, kind: str) -> list[Fetch]:
        """The responses of one resource type (``Script``, ``Document`` …)."""
        return [f for f in self.fetches.values() if f.kind == kind]

    def downloaded_scripts(self) -> list[Fetch]:
        """Scripts that came from the network in full (status 200, not from a cache)."""
        return [f for f in self.of_kind("Script") if f.status == 200 and not f.cached]

    def _fetch(self, params: dict[str, Any]) -> Fetch:
        self.last_activity = time.monotonic()
        return self.fetches.setdefault(str(params["requestId"]), Fetch())

    def _on_request(self, params: dict[str, Any]) -> None:
        self._fetch(params).url = params["request"]["url"]

    def _on_response(self, params: dict[str, Any]) -> None:
        item, response = self._fetch(params), params["response"]
        headers = {str(k).lower(): str(v) for k, v in response.get("headers", {}).items()}
        item.url, item.kind = response["url"], params.get("type", "")
        item.status = item.status or int(response["status"])
        item.encoding = headers.get("content-encoding", "")
        item.cache_control = headers.get("cache-control", "")
        item.cached = item.cached or bool(response.get("fromDiskCache")) or bool(response.get("fromPrefetchCache"))

    def _on_wire(self, params: dict[str, Any]) -> None:
        # The raw status line: a revalidated file is a 304 here and a 200 (from the cache) in responseReceived.
        self._fetch(params).status = int(params["statusCode"])

    def _on_data(self, params: dict[str, Any]) -> None:
        self._fetch(params).body += int(params["dataLength"])

    def _on_cached(self, params: dict[str, Any]) -> None:
        self._fetch(params).cached = True

    def _on_finished(self, params: dict[str, Any]) -> None:
        item = self._fetch(params)
        item.transferred, item.done = int(params["encodedDataLength"]), True

    def _on_failed(self, params: dict[str, Any]) -> None:
        self._fetch(params).done = True
