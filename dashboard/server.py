"""What ``make dashboard`` runs: ``streamlit run dashboard/server.py``.

The Streamlit app (``app.py``) plus one route, ``/source-files/<name>``, that serves the disclosures
published beside the read-only marts (``<published dir>/sources/<document_id>.<ext>``) — so a figure's link
can open its PDF at ``#page=N`` — and the text conversions for download.  Only plain file names of that
folder are served.

It has no authentication: ``make dashboard`` binds it to 127.0.0.1 (``DASHBOARD_ADDRESS``); started by hand,
pass ``--server.address 127.0.0.1`` too (Streamlit alone listens on every interface).
"""

import streamlit as st
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from dashboard.data import published_file
from dashboard.sources import SOURCE_FILES_ROUTE, source_path
from warehouse.publication import sources_dir

MEDIA_TYPES = {".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8"}


async def source_file(request: Request) -> Response:
    path = source_path(sources_dir(published_file()), request.path_params["name"])
    if path is None:
        return PlainTextResponse("not found", status_code=404)
    media_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=media_type, content_disposition_type="inline")


app = st.App("app.py", routes=[Route(f"/{SOURCE_FILES_ROUTE}/{{name}}", source_file)])
