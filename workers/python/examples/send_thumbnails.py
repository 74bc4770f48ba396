"""Sends thumbnail tasks of one batch: send_tasks.py <broker> <queue> <batch> <count> <seconds>."""

import sys

from thumbnails import make_app

broker, queue, batch, count, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
app = make_app(broker, queue=queue)
for i in range(count):
    app.send_task("thumbnails.make", args=(f"img-{i}", seconds), headers={"prescaler_batch": batch})
print(f"sent {count}", flush=True)
