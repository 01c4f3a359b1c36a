"""The trace API application: FastAPI with RFC 9457 errors, built over injected services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from .audits.routes import router as audits_router
from .batches.routes import router as batches_router
from .codes.routes import router as codes_router
from .coldchain.routes import router as coldchain_router
from .credit.routes import router as credit_router
from .devices.routes import router as devices_router
from .documents.routes import router as documents_router
from .enforcement.routes import router as enforcement_router
from .epcis.routes import router as epcis_router
from .equipment.routes import router as equipment_router
from .exports.routes import router as exports_router
from .filings.routes import router as filings_router
from .health import readiness
from .kitchen.routes import router as kitchen_router
from .markets.routes import router as markets_router
from .openapi import install_openapi
from .orgs.routes import router as orgs_router
from .overview.routes import router as overview_router
from .permits.routes import router as permits_router
from .problems import install_problem_handlers, problem_response
from .recalls.routes import router as recalls_router
from .reconcile.routes import router as reconcile_router
from .resolver import mount_resolver
from .risk.routes import router as risk_router
from .scans.routes import router as scans_router
from .selfcheck.routes import router as selfcheck_router
from .services import Services
from .sites.routes import router as sites_router
from .tracing.routes import router as trace_router
from .verification.routes import router as verification_router
from .webhooks.routes import router as webhooks_router

DOCS_ASSETS = "/docs/assets"


def create_app(services: Services) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(services.stop_jobs)  # an audit left running is ended "interrupted"

    app = FastAPI(
        lifespan=lifespan,
        title="Suyuan trace API",
        version="0.1.0",
        description="Source admission, item codes, scans, provenance, trace, recalls. Errors: RFC 9457.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    install_problem_handlers(app)
    install_openapi(app)
    routers = (
        orgs_router,
        documents_router,
        batches_router,
        codes_router,
        scans_router,
        selfcheck_router,
        trace_router,
        recalls_router,
        webhooks_router,
        epcis_router,
        exports_router,
        devices_router,
        coldchain_router,
        kitchen_router,
        reconcile_router,
        overview_router,
        verification_router,
        audits_router,
        sites_router,
        equipment_router,
        filings_router,
        permits_router,
        markets_router,
        credit_router,
        enforcement_router,
        risk_router,
    )
    for router in routers:
        app.include_router(router)
    mount_resolver(app)
    mount_docs(app)

    @app.get("/livez", tags=["health"])
    def livez() -> dict[str, str]:
        """Answers without touching the database or the chain (the benchmarks' baseline)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], response_model=None)
    def readyz(request: Request) -> dict[str, Any] | JSONResponse:
        """200 while background work keeps up; 503 (problem+json naming the parts) otherwise."""
        failing, parts = readiness(services)
        if failing:
            detail = "; ".join(f"{f['part']}: {f['reason']}" for f in failing)
            return problem_response(
                503, "not-ready", "Not ready", detail, request.url.path, failing=failing, parts=parts
            )
        return {"status": "ok", "parts": parts}

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "ledger_size": services.ledger.size(), "chain_id": services.chain.chain_id}

    return app


def mount_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the packaged distribution: it loads without reaching a CDN."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon-32x32.png",
        )
