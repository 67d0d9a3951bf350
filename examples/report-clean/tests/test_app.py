from shop.app import app


def test_healthz():
    assert app.test_client().get("/healthz").status_code == 200
