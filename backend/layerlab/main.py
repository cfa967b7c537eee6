"""The FastAPI application: ``create_app()`` builds it; its lifespan starts and stops the machinery.

``layerlab serve`` runs ``uvicorn.run("layerlab.main:create_app", factory=True, …)``.

On start the lifespan opens the database (applying Alembic migrations), marks runs a
previous server left unfinished as ``interrupted``, starts the
:class:`~layerlab.storage.writer.EventWriter` thread and the
:class:`~layerlab.runs.runner.Runner` with its warm worker processes. On stop it
stops the workers (active runs end ``interrupted``), flushes the writer and closes the
database.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from layerlab import __version__
from layerlab.api.compression import ApiCompression
from layerlab.api.handlers import install_handlers
from layerlab.api.hosts import HostOriginGuard
from layerlab.api.limits import BodySizeLimit
from layerlab.api.openapi import install_openapi
from layerlab.api.pages import PAGE_HEADERS
from layerlab.api.routes import ROUTERS
from layerlab.api.static import mount_static
from layerlab.api.ws_slots import WebsocketSlots
from layerlab.errors import TrainingError
from layerlab.runs.broadcast import Broadcaster
from layerlab.runs.runner import Runner, interrupt_unfinished
from layerlab.runs.worker import DEFAULT_JOB_TARGET
from layerlab.settings import Settings, get_settings
from layerlab.storage.retention import RetentionPolicy, keep_pruned
from layerlab.storage.store import RunStore
from layerlab.storage.writer import EventWriter
from layerlab.training.weights import delete_run_files

__all__ = ["create_app"]

logger = logging.getLogger(__name__)


def _device_and_gpus(settings: Settings) -> tuple[str, int]:
    """The default device's name and how many CUDA GPUs there are (0 when the device is the CPU)."""
    import torch

    from layerlab.training.device import describe_device, resolve_device

    try:
        device = describe_device(resolve_device("auto", settings.device))
    except TrainingError:
        device = settings.device
    gpus = torch.cuda.device_count() if device.startswith("cuda") else 0
    return device, gpus


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    settings.home.mkdir(parents=True, exist_ok=True)
    open_store: Callable[[str, Settings], RunStore] = app.state.open_store
    store = await run_in_threadpool(open_store, settings.resolved_database_url, settings)
    await run_in_threadpool(interrupt_unfinished, store)
    device, gpus = await run_in_threadpool(_device_and_gpus, settings)
    writer = EventWriter(
        store,
        group_commit_s=settings.group_commit_s,
        commit_interval_s=settings.commit_interval_s,
        retry_max_s=settings.storage_retry_max_s,
    )
    writer.start()
    runner = Runner(
        settings,
        store,
        writer,
        Broadcaster(settings.subscriber_queue_size),
        concurrency=settings.resolved_max_concurrent_runs(gpus),
        job_target=app.state.job_target,
        gpu_count=gpus,
    )
    app.state.device, app.state.store, app.state.writer, app.state.runner = device, store, writer, runner
    retention = RetentionPolicy(settings.run_retention_days * 86_400, settings.run_retention_max_runs)
    pruning = (
        asyncio.create_task(
            keep_pruned(
                store, retention, settings.run_retention_interval_s, functools.partial(delete_run_files, settings.home)
            )
        )
        if retention.is_active
        else None
    )
    try:
        await runner.start()
        logger.info("LayerLab %s ready: %d worker(s), device %s", __version__, runner.concurrency, device)
        yield
    finally:
        if pruning is not None:
            pruning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pruning
        await runner.stop()
        await run_in_threadpool(writer.stop)
        store.close()
        app.state.runner = app.state.writer = app.state.store = None


def _open_store(url: str, settings: Settings) -> RunStore:
    return RunStore.open(url, busy_timeout_s=settings.sqlite_busy_timeout_s)


def create_app(
    settings: Settings | None = None,
    *,
    job_target: str | None = None,
    open_store: Callable[[str, Settings], RunStore] | None = None,
) -> FastAPI:
    """Build the app: routes, error handlers, the body-size limit, API compression, CORS, the static page.

    Starts nothing: the lifespan does (so importing or building it for the OpenAPI
    schema is cheap). ``job_target`` (``"module:function"``) replaces the job the
    workers run — for tests; the default is :func:`layerlab.training.job.run_job`.
    ``open_store(url, settings)`` replaces how the database is opened (tests wrap it in
    a store that fails on purpose).
    """
    settings = settings if settings is not None else get_settings()
    app = FastAPI(
        title="LayerLab",
        version=__version__,
        description="Build neural networks as graphs, train them with PyTorch, watch every event live.",
        lifespan=_lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.job_target = job_target or DEFAULT_JOB_TARGET
    app.state.open_store = open_store or _open_store
    app.state.ws_slots = WebsocketSlots(per_run=settings.max_ws_per_run, per_client=settings.max_ws_per_client)
    app.state.device = None
    app.state.store = app.state.writer = app.state.runner = None
    install_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(ApiCompression)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=list(PAGE_HEADERS),
        )
    # Outermost: a request for another host, or a cross-origin websocket or write, goes no further.
    app.add_middleware(HostOriginGuard, allowed_hosts=settings.allowed_hosts, allowed_origins=settings.cors_origins)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app, settings.resolved_static_dir)
    install_openapi(app)
    return app
