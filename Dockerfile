# mws-gateway container image.
#   docker build -t mws-gateway .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp \
#     --mount type=tmpfs,destination=/var/lib/mws-gateway mws-gateway serve --demo
# Stage 1 builds the project wheel and installs it with its pinned dependencies into a
# virtualenv; stage 2 is the same slim Python with only that virtualenv, a non-root user and no
# pip. `make image-check` builds and runs it (see docs/kubernetes.md).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# A package index other than PyPI, or the CA bundle of a TLS-inspecting proxy, comes in as build
# secrets, mounted for the pip step only and kept out of every layer (scripts/image-check.sh):
#   --secret id=pip.conf,src=FILE  a pip config file (index-url, extra-index-url, cert, ...)
#   --secret id=pip-ca.pem,src=FILE  a CA bundle that pip.conf names as cert
# Without them pip reads /run/secrets/pip.conf, finds nothing and uses PyPI.
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CONFIG_FILE=/run/secrets/pip.conf \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY gateway ./gateway
COPY mappings ./mappings
RUN --mount=type=secret,id=pip.conf --mount=type=secret,id=pip-ca.pem \
    python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/mws-gateway \
    && /opt/mws-gateway/bin/pip install --no-cache-dir -c constraints.txt /wheels/mws_gateway-*.whl \
    && /opt/mws-gateway/bin/pip uninstall --yes pip

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="mws-gateway" \
      org.opencontainers.image.description="MWS-to-SP-API compatibility gateway" \
      org.opencontainers.image.licenses="Apache-2.0"
# No pip in the image: not the base image's (python:*-slim keeps one in /usr/local, Debian's
# python3-pip one in /usr), nor the wheels ensurepip would reinstall it from.
RUN rm -rf /usr/local/bin/pip /usr/local/bin/pip3* /usr/bin/pip /usr/bin/pip3* \
       /usr/local/lib/python3*/site-packages/pip /usr/local/lib/python3*/site-packages/pip-*-info \
       /usr/lib/python3/dist-packages/pip /usr/lib/python3/dist-packages/pip-*-info \
       /usr/local/lib/python3*/ensurepip/_bundled/pip-*.whl /usr/share/python-wheels/pip-*.whl \
    && if python -m pip --version >/dev/null 2>&1; then echo "pip is still installed" >&2; exit 1; fi \
    && groupadd --system --gid 10001 mws \
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
