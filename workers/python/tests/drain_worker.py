"""A plain worker loop for the SIGTERM test: takes jobs from a Redis list, one at a time."""

import sys
import time

import redis

from prescaler_progress import Progress

url, prefix, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
client = redis.Redis.from_url(url)
progress = Progress(client, "acme/thumbnails/v1", pod="pod-d", prefix=prefix, ttl_seconds=1)
draining = progress.install_sigterm_drain()
while not draining.is_set():
    job = client.lpop(f"{prefix}:jobs")
    if job is None:
        break
    with progress.holding(1):
        print(f"holding {job.decode()}", flush=True)
        time.sleep(seconds)
        progress.done("b1")
    print(f"finished {job.decode()}", flush=True)
progress.wait_idle()
print("stopped", flush=True)
