"""A worker module that breaks two team conventions."""
import requests as r
from celery import Celery, shared_task

app = Celery("orders")


@app.task
def sync_orders():
    return r.get("https://orders.internal/api", timeout=5).json()


@shared_task(bind=True)
def send_receipts(self):
    r.post("https://mail.internal/send", json={}, timeout=5)


@app.task(time_limit=300, soft_time_limit=240)
def nightly_report():
    return http_client.get("https://reports.internal/nightly")
