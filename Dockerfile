# syntax=docker/dockerfile:1
# ScholarLink in Reflex's prod mode: the compiled frontend, the websocket and the API on one
# port (3000), served by granian. Settings come from the environment (.env.example); the image
# defaults to ENVIRONMENT=production, which requires SECRET_KEY and a PostgreSQL DATABASE_URL.
#
#   docker build -t scholarlink:0.1.0 .
#   docker run -p 3000:3000 -e SECRET_KEY=… -e DATABASE_URL=postgresql://… scholarlink:0.1.0
#   docker run … scholarlink:0.1.0 scholarlink worker      (the agent worker on its own)

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# -- build: Python dependencies, then the frontend compiled once, here, with bun ------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    REFLEX_BUN_PATH=/opt/bun/node_modules/.bin/bun \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false

# Debian's npm only installs bun (from the npm registry: Reflex's own installer downloads from
# elsewhere). Debian's node is older than Reflex wants, so Reflex runs the build on bun's runtime.
# Exact Debian versions are not pinned: security updates replace them in the archive and an exact
# pin would stop the build; bun, which builds the frontend, is pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/* \
    && npm install --prefix /opt/bun --no-audit --no-fund --loglevel=error bun@1.4.4 \
    && /opt/bun/node_modules/.bin/bun --version

WORKDIR /app
RUN python -m venv /opt/venv && pip install pip==26.3

# Dependencies first (a layer that changes only with pyproject.toml or the constraints).
COPY pyproject.toml ./
COPY deploy/docker/constraints.txt /tmp/constraints.txt
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt -c /tmp/constraints.txt

COPY . .
# Editable on purpose: the app finds alembic/ and rxconfig.py beside its package (PROJECT_ROOT),
# so the package stays in /app, at the same path in the runtime stage.
# The frontend is built for the page's own host: Reflex swaps "localhost" for the host the page
# was loaded from (and drops the port behind HTTPS).
ARG REFLEX_API_URL=http://localhost:3000
RUN pip install --no-deps -e . \
    && REFLEX_API_URL=${REFLEX_API_URL} reflex export --frontend-only --no-zip --env prod \
    && test -f .web/build/client/index.html

# -- runtime: no node, no bun, non-root ------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# The two __REFLEX_* variables are what `reflex run --env prod` sets for its server processes:
# use the frontend compiled in the build stage instead of compiling again, and serve it from the
# backend so that one port carries everything. GRANIAN_* configure granian, Reflex's prod server;
# one worker per pod (500m CPU), more pods for more load (Reflex state lives in REFLEX_REDIS_URL).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    REFLEX_ENV_MODE=prod \
    REFLEX_TELEMETRY_ENABLED=false \
    REFLEX_CHECK_LATEST_VERSION=false \
    __REFLEX_SKIP_COMPILE=true \
    __REFLEX_MOUNT_FRONTEND_COMPILED_APP=true \
    GRANIAN_HOST=0.0.0.0 \
    GRANIAN_PORT=3000 \
    GRANIAN_INTERFACE=asgi \
    GRANIAN_WORKERS=1

RUN groupadd --system --gid 10001 scholarlink \
    && useradd --system --uid 10001 --gid scholarlink --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin scholarlink

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/rxconfig.py /app/alembic.ini ./
COPY --from=build /app/alembic ./alembic
COPY --from=build /app/assets ./assets
COPY --from=build /app/scholarlink ./scholarlink
COPY --from=build /app/.web/build/client ./.web/build/client
# The backend writes its page markers here at start-up; state (without Redis), SQLite files
# (development only) and local uploads go to the other three.
COPY --from=build --chown=scholarlink:scholarlink /app/.web/backend ./.web/backend
RUN mkdir -p .states .data uploaded_files \
    && chown scholarlink:scholarlink .states .data uploaded_files

USER 10001:10001
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/health', timeout=4)"]

# Migrations first (a no-op at head); `exec` hands PID 1 to granian so SIGTERM stops it cleanly.
CMD ["sh", "-c", "scholarlink migrate && exec granian --factory scholarlink.scholarlink:app"]
