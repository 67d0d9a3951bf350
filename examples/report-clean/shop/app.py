"""Shop API."""
import logging
import logging.config
import os

from flask import Flask, jsonify, request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .db import session

logger = logging.getLogger(__name__)

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
CORS(app, origins=os.environ["CORS_ALLOWED_ORIGINS"].split(","))
limiter = Limiter(get_remote_address, app=app, default_limits=["100 per minute"])


def configure_logging():
    logging.config.dictConfig(
        {
            "version": 1,
            "handlers": {"console": {"class": "logging.StreamHandler"}},
            "root": {"level": os.environ.get("LOG_LEVEL", "INFO"), "handlers": ["console"]},
        }
    )


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@app.get("/readyz")
def readyz():
    session().execute("SELECT 1")
    return jsonify({"status": "ready"})


@app.post("/login")
@limiter.limit("5 per minute")
def login():
    user = request.form["user"]
    logger.info("login attempt for %s", user)
    return jsonify({"ok": True})
