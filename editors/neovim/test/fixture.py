import requests


def fetch(url):
    return requests.get(url)


def ping(host):
    try:
        fetch(host)
    except Exception:
        pass
