"""Orders service: a small Flask app with the problems Preflight finds first."""
import os

import requests
from flask import Flask, jsonify
from flask_cors import CORS
from openpyxl import load_workbook

app = Flask(__name__)
CORS(app)

RATES_URL = os.environ.get("RATES_URL", "https://rates.internal/api/latest")


def exchange_rate(currency):
    try:
        response = requests.get(RATES_URL, params={"currency": currency})
        return response.json()["rate"]
    except:
        pass


@app.route("/orders/<int:order_id>/total")
def order_total(order_id):
    rate = exchange_rate("EUR") or 1.0
    return jsonify({"order": order_id, "total": 42 * rate})


@app.route("/reports/sheets")
def report_sheets():
    wb = load_workbook("reports/quarterly.xlsx", read_only=True)
    wb.close()
    return jsonify({"sheets": wb.sheetnames})
