"""gunicorn settings for the django-tenants peer (bench/peers/django-serve). The command line
(and GUNICORN_CMD_ARGS, e.g. "--worker-class gthread --threads 4" to experiment) overrides these."""

# 2 cores: one worker process per core, as asked of the peer. The default sync worker: one
# request at a time per process, Django's usual production pairing (behind a buffering proxy
# in real deployments; here wrk talks to it directly, so each request is a new TCP connection:
# the sync worker does not keep connections alive).
workers = 2
worker_class = "sync"
# Heartbeat files on tmpfs: the documented advice for containers and busy disks.
worker_tmp_dir = "/dev/shm"
# Quiet: no access log (gunicorn's default) and only warnings and errors from gunicorn itself.
accesslog = None
loglevel = "warning"
# Django must be imported in each worker, after fork, so no database connection is shared.
preload_app = False
