# The retention dashboard in a container. Build and run:
#   docker build -t retention-dashboard .
#   docker run -p 8501:8501 -v retention-data:/data \
#     -v "$PWD/.streamlit/secrets.toml:/app/.streamlit/secrets.toml:ro" retention-dashboard
# Data (the live database and its snapshots) lives in the /data volume; with none there yet the
# first visit builds the demo database. Put the proxy in front (README, Deploy):
#   docker build --target proxy -t retention-proxy .     (or: docker compose -f deploy/compose.yaml up)
# The proxy image is nginx with deploy/nginx.conf and this image's Streamlit static files,
# precompressed (gzip and brotli) at build time.
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RETENTION_DB=/data/retention.duckdb \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

# A user without a login shell or root rights runs the app; it owns only the data folder.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown app:app /data

COPY --chown=root:root . .

USER app
VOLUME ["/data"]
EXPOSE 8501

# Streamlit's own health endpoint; python is in the image, curl is not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"

CMD ["streamlit", "run", "dashboard.py", "--server.address=0.0.0.0", "--server.port=8501"]

# Streamlit's static files of exactly the Streamlit installed above, with a .gz and a .br beside
# each (deploy/precompress.py; about a minute at brotli's best quality, once per build).
FROM app AS static
USER root
RUN pip install "brotli>=1.1" \
    && python -m deploy.precompress /srv/streamlit-static

# The proxy: Debian's nginx and its brotli module, the shipped config, the precompressed files.
FROM debian:bookworm-slim AS proxy
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       nginx-light libnginx-mod-http-brotli-static \
    && rm -rf /var/lib/apt/lists/*
COPY --from=static /srv/streamlit-static /srv/streamlit-static
COPY deploy/nginx.conf /etc/nginx/nginx.conf
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]

# `docker build .` without --target builds the app (the last stage).
FROM app
