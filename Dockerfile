# The app under gunicorn, static files collected at build and served by WhiteNoise.
# Configuration comes from the environment at run time (see .env.example); nothing secret is
# baked into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: compilemessages turns the translations (.po) into the .mo files Django reads.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The exact versions of requirements.lock first, in their own layer: a change to the code
# alone does not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY . .
# The app itself, without resolving anything again; it runs from /app (the working directory
# comes first on the import path), where templates/, static/ and locale/ sit beside the code.
RUN pip install --no-deps -e .

RUN if find . -name '*.po' -print -quit | grep -q .; then python manage.py compilemessages; fi

# Production storage (hashed, compressed files). The key below only lets the settings load
# for this one command; the real one is given at run time.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=collectstatic-at-build-time-only-not-used-at-run-time \
    python manage.py collectstatic --noinput

# Nothing of the app's is written under /app: uploads wait in the database, so any replica
# can serve the next step.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app ward
USER ward

EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint"]
