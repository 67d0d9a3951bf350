"""Sends the invoice emails queued by the API."""
import time

import requests


def run():
    while True:
        job = requests.get("http://queue.internal/next", timeout=5).json()
        if job:
            requests.post("http://mailer.internal/send", json=job, timeout=5)
        time.sleep(1)


if __name__ == "__main__":
    run()
