"""The login and opinion limits with the production storage: real gunicorn, several workers, one count in the
local Redis (127.0.0.1:6379, which .ci/run starts), so a guesser gains nothing from landing on another worker."""
import http.client
import re
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from portal.models import Opinion

from conftest import form_data, make_app, soup
from flows import REDIS, publish_with

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory

WORKERS = 3
LIMIT = 4


@pytest.fixture
def server_env(prefix, tmp_path):
    return {
        "WEB_CONCURRENCY": str(WORKERS),
        "PORTAL_RATELIMIT_STORAGE_URL": REDIS,
        "PORTAL_RATELIMIT_KEY_PREFIX": prefix,
        "PORTAL_LOGIN_RATE_LIMIT": f"{LIMIT} per hour",
        "PORTAL_OPINION_RATE_LIMIT": f"{LIMIT} per hour",
        # the worker's pid on each line of the access log, to tell which worker answered
        "GUNICORN_CMD_ARGS": f"--access-logfile {tmp_path / 'access.log'} --access-logformat '%(p)s %(r)s %(s)s'",
    }


class Visitor:
    """One browser at one address, opening a new connection for every request (so any worker may answer)."""

    def __init__(self, base):
        self.host, self.port = base.removeprefix("http://").split(":")
        self.cookie = ""

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection(self.host, int(self.port), timeout=10)
        headers = {"Cookie": self.cookie, "Connection": "close"}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=urlencode(form) if form is not None else None, headers=headers)
        response = conn.getresponse()
        body = response.read().decode()
        conn.close()
        if cookie := response.getheader("Set-Cookie"):
            self.cookie = cookie.split(";")[0]
        return response.status, body

    def form(self, path, selector) -> dict:
        """What the page's form would send, its CSRF token included."""
        status, body = self.request("GET", path)
        assert status == 200
        return form_data(BeautifulSoup(body, "html.parser").select_one(selector))


def workers_that_answered(tmp_path, path) -> set[str]:
    """The pids of the workers that answered a POST to `path`, from the access log."""
    log = (tmp_path / "access.log").read_text()
    return set(re.findall(rf"^<(\d+)> POST {re.escape(path)} ", log, re.M))


def send_until_two_workers_answered(tmp_path, path, post) -> list[int]:
    """Posts until at least two workers have answered and each could have let LIMIT through on its own count
    (3 × LIMIT posts at least); bounded, as the kernel hands connections to whichever worker is free."""
    statuses = []
    while len(statuses) < 3 * LIMIT or len(workers_that_answered(tmp_path, path)) < 2:
        assert len(statuses) < 200, "only one gunicorn worker ever answered"
        statuses.append(post())
    return statuses


def test_the_login_limit_holds_across_every_worker(gunicorn, tmp_path):
    visitor = Visitor(gunicorn.base)

    def post():
        form = visitor.form("/login", "form[method=post]")
        return visitor.request("POST", "/login", {**form, "username": "khach", "password": "sai"})[0]

    statuses = send_until_two_workers_answered(tmp_path, "/login", post)
    assert statuses.count(400) == LIMIT  # not LIMIT for each worker
    assert statuses[LIMIT:] == [429] * (len(statuses) - LIMIT)


def test_the_opinion_limit_holds_across_every_worker(gunicorn, tmp_path, actor):
    publish_with(actor, {"Lò Văn Sáng": "1"})  # the comment window opens on /cong-khai
    citizen = Visitor(gunicorn.base)
    sent = []

    def post():
        form = citizen.form("/cong-khai/xa-binh-lu", "#opinion")
        sent.append(f"Ý kiến {len(sent)}")
        return citizen.request("POST", "/cong-khai/xa-binh-lu/y-kien", {**form, "text": sent[-1]})[0]

    statuses = send_until_two_workers_answered(tmp_path, "/cong-khai/xa-binh-lu/y-kien", post)
    assert statuses.count(303) == LIMIT
    assert statuses[LIMIT:] == [429] * (len(statuses) - LIMIT)
    assert [o.text for o in Opinion.select().order_by(Opinion.id)] == sent[:LIMIT]


def test_while_redis_is_down_logins_still_answer_and_each_worker_counts_alone(app):
    """Redis stopped (nothing listens on port 1): the login page keeps working and the limit still holds."""
    alone = make_app(app.config["DATABASE_URL"], RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                     LOGIN_RATE_LIMIT=f"{LIMIT} per hour")
    client = alone.test_client()
    form = form_data(soup(client.get("/login")).select_one("form[method=post]"))
    statuses = [client.post("/login", data={**form, "username": "khach", "password": "sai"}).status_code
                for _ in range(LIMIT + 1)]
    assert statuses == [400] * LIMIT + [429]
