# LayerLab in a container: the web page built with node, the server on python:3.11-slim.
#
#   docker compose up                         # CPU (the default torch build here is the CPU one)
#   docker compose --profile gpu up layerlab-gpu   # NVIDIA GPU (CUDA torch build, needs the NVIDIA runtime)
#
# Build args: TORCH_INDEX_URL picks the torch build (…/whl/cpu by default, e.g. …/whl/cu124 for CUDA),
# TORCH_SPEC the version range.

# --- stage 1: the web page -------------------------------------------------------------
# Node 22: plotly.js (the page builds its charts from plotly's parts) declares engines node>=22;
# on node 20 `npm ci` only warns (EBADENGINE) and the build works. The build also writes
# .br/.gz files beside each asset, which the server sends to browsers that accept them.
FROM node:22-slim AS page
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# --- stage 2: the server ---------------------------------------------------------------
FROM python:3.11-slim
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_SPEC="torch>=2.4"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LAYERLAB_HOME=/data \
    LAYERLAB_STATIC_DIR=/app/frontend/dist
WORKDIR /app
# torch first, from the chosen index, so the package install below never pulls another build.
RUN pip install --index-url "${TORCH_INDEX_URL}" "${TORCH_SPEC}"
COPY pyproject.toml README.md ./
COPY backend/ backend/
RUN pip install ".[postgres]"
COPY --from=page /src/frontend/dist /app/frontend/dist
RUN useradd --create-home --uid 1000 layerlab && mkdir -p /data && chown layerlab:layerlab /data
USER layerlab
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status != 200)"]
CMD ["layerlab", "serve", "--host", "0.0.0.0", "--port", "8000"]
