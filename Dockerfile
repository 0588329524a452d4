# mws-gateway container image.
#   docker build -t mws-gateway .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp \
#     --mount type=tmpfs,destination=/var/lib/mws-gateway mws-gateway serve --demo
# Stage 1 builds the project wheel and installs it with its pinned dependencies into a
# virtualenv; stage 2 is the same slim Python with only that virtualenv and a non-root user.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY gateway ./gateway
COPY mappings ./mappings
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/mws-gateway \
    && /opt/mws-gateway/bin/pip install --no-cache-dir -c constraints.txt /wheels/mws_gateway-*.whl \
    && /opt/mws-gateway/bin/pip uninstall --yes pip

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="mws-gateway" \
      org.opencontainers.image.description="MWS-to-SP-API compatibility gateway" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 mws \
    && useradd --system --uid 10001 --gid mws --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin mws \
    && mkdir -p /var/lib/mws-gateway \
    && chown 10001:10001 /var/lib/mws-gateway
COPY --from=build /opt/mws-gateway /opt/mws-gateway
ENV PATH=/opt/mws-gateway/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MWS_GATEWAY_HOST=0.0.0.0 \
    MWS_GATEWAY_PORT=8080 \
    MWS_GATEWAY_DATA_DIR=/var/lib/mws-gateway
WORKDIR /var/lib/mws-gateway
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MWS_GATEWAY_PORT', '8080'), timeout=3)"]
ENTRYPOINT ["mws-gateway"]
CMD ["serve"]
