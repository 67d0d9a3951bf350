"""Sends queued emails until SIGTERM asks it to stop."""
import logging
import signal
import time

import requests

logger = logging.getLogger(__name__)
running = True


def stop(signum, frame):
    global running
    running = False


def run():
    signal.signal(signal.SIGTERM, stop)
    while running:
        job = requests.get("http://queue.internal/next", timeout=5).json()
        if job:
            requests.post("http://mailer.internal/send", json=job, timeout=5)
        time.sleep(1)
    logger.info("worker stopped")


if __name__ == "__main__":
    run()
