# The image that runs web, worker and beat (see docker-compose.yml).

# French and any other language: the catalogues (.po) are committed, their compiled
# form (.mo) is not; it is built in this stage so gettext stays out of the final image.
FROM python:3.11-slim-bookworm AS messages
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
COPY locale /locale
RUN find /locale -name '*.po' -exec sh -c 'msgfmt --check-format -o "${1%.po}.mo" "$1"' _ {} \;

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_ENV=production

WORKDIR /app
RUN groupadd --system instaply && useradd --system --gid instaply --home /app instaply

# manage.py backup streams pg_dump, which must be of the server's major version
# (docker-compose.yml runs postgres:16): PostgreSQL's own Debian repository has it.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSo /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update && apt-get install -y --no-install-recommends postgresql-client-16 \
    && apt-get purge -y curl && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml constraints.txt ./
# Every application package (tests/test_deployment_files.py checks the list).
COPY instaply ./instaply
COPY tenants ./tenants
COPY conversations ./conversations
COPY channels_sms ./channels_sms
COPY privacy ./privacy
COPY audit ./audit
COPY platform_staff ./platform_staff
COPY breaches ./breaches
COPY reports ./reports
COPY attachments ./attachments
COPY notifications ./notifications
COPY compliance ./compliance
COPY analytics ./analytics
COPY backups ./backups
COPY search ./search
COPY saved_views ./saved_views
COPY web ./web
COPY manage.py ./
COPY --from=messages /locale ./locale
RUN pip install -c constraints.txt . && mkdir -p /app/var && chown instaply:instaply /app/var

USER instaply
EXPOSE 8000
CMD ["gunicorn", "-c", "python:instaply.gunicorn_conf", "instaply.asgi:application"]
