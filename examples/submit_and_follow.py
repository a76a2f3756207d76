#!/usr/bin/env python3
"""Submit a run to Longshore's HTTP API, print its log while it runs, and exit with its outcome.

Only the Python standard library (urllib), so it drops into any orchestrator's task (docs/integrations.md):
the orchestrator's identity for this piece of work goes into the run as environment variables (--env), and
the run's name is derived from it, so a retried submission of the same work is answered with the run
already stored (the API's create is idempotent: 200 with the stored run, 409 only for a different spec).

    LONGSHORE_SERVER=https://longshore.example.com LONGSHORE_TOKEN=lst_... \\
        python3 examples/submit_and_follow.py --pool etl --name flow-run-42 --env FLOW_RUN_ID=42

LONGSHORE_NAMESPACE (default "default") picks the installation. Exit status: 0 the run succeeded; 1 it
ended otherwise (failed, crashed, cancelled, timed-out) or the API failed; 2 the API rejected the run.
"""
import argparse
import http.client
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

API = "/apis/longshore.dev/v1alpha1"


class ApiError(Exception):
    """A non-2xx answer: the API's Status object (message, reason, details.causes)."""

    def __init__(self, code, status):
        super().__init__(status.get("message", f"HTTP {code}"))
        self.code = code
        self.status = status


class Longshore:
    def __init__(self, server, token, namespace):
        self.base = server.rstrip("/")
        self.token = token
        self.namespace = namespace

    def runs_url(self, *parts, **query):
        path = f"{API}/namespaces/{urllib.parse.quote(self.namespace)}/runs"
        for part in parts:
            path += "/" + urllib.parse.quote(part)
        return self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")

    def open(self, url, body=None, method="GET", timeout=30):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            return urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            try:
                status = json.loads(text)
            except ValueError:
                status = {"message": f"HTTP {error.code}: {text[:200]}"}
            raise ApiError(error.code, status) from None

    def call(self, url, body=None, method="GET"):
        with self.open(url, body, method) as response:
            return response.status, json.load(response)

    def submit(self, document):
        """(created, run): created is False when the same run was already stored."""
        code, run = self.call(self.runs_url(), document, "POST")
        return code == 201, run

    def get(self, name):
        return self.call(self.runs_url(name))[1]

    def follow_log(self, name):
        """Yields the run's output lines until its task stops (the server ends the stream).

        Raises http.client.IncompleteRead when the server breaks the stream off (an error after the first
        line, or its shutdown: docs/api.md#logs). read1, not iterating the response: readline takes a
        broken-off chunked body for its end, read1 raises."""
        # No read timeout that a quiet task could trip: the server keeps the stream open while it runs.
        with self.open(self.runs_url(name, "log", follow="true"), timeout=None) as response:
            pending = b""
            while True:
                chunk = response.read1(65536)
                if not chunk:
                    break
                *lines, pending = (pending + chunk).split(b"\n")
                for raw in lines:
                    yield raw.decode(errors="replace")
            if pending:
                yield pending.decode(errors="replace")

    def wait_stopped(self, name, poll_seconds=1.0):
        """The run once it has stopped, watching the change stream (reconnecting after the server ends it)."""
        run = self.get(name)
        version = run["metadata"]["resourceVersion"]
        while run["status"]["phase"] != "stopped":
            url = self.base + f"{API}/namespaces/{urllib.parse.quote(self.namespace)}/runs?" + urllib.parse.urlencode(
                {"watch": "true", "fieldSelector": f"metadata.name={name}", "resourceVersion": version, "timeoutSeconds": 30}
            )
            try:
                with self.open(url, timeout=60) as stream:
                    for raw in stream:
                        event = json.loads(raw)
                        version = event["object"]["metadata"].get("resourceVersion", version)
                        if event["type"] != "DELETED":
                            run = event["object"]
                        if run["status"]["phase"] == "stopped":
                            break
            except ApiError as error:
                if error.code != 410:  # 410 Gone: the feed no longer reaches back; read the run afresh
                    raise
                run = self.get(name)
                version = run["metadata"]["resourceVersion"]
            if run["status"]["phase"] != "stopped":
                time.sleep(poll_seconds / 10)  # the server ended the watch (its timeout): open the next one
        return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", required=True)
    parser.add_argument("--name", required=True, help="the run's name, derived from the orchestrator's own id")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="passed to the container")
    parser.add_argument("--command", help="overrides the pool's command (a shell string)")
    args = parser.parse_args()
    server, token = os.environ.get("LONGSHORE_SERVER"), os.environ.get("LONGSHORE_TOKEN")
    if not server or not token:
        parser.error("set LONGSHORE_SERVER and LONGSHORE_TOKEN")
    api = Longshore(server, token, os.environ.get("LONGSHORE_NAMESPACE") or "default")

    spec = {"pool": args.pool, "env": dict(pair.split("=", 1) for pair in args.env)}
    if args.command:
        spec["command"] = args.command
    document = {"apiVersion": "longshore.dev/v1alpha1", "kind": "Run", "metadata": {"name": args.name}, "spec": spec}
    try:
        created, _ = api.submit(document)
    except ApiError as error:
        print(f"run/{args.name} not submitted: {error}", file=sys.stderr)
        for cause in error.status.get("details", {}).get("causes", []):
            print(f"  {cause['field']}: {cause['message']}", file=sys.stderr)
        return 2 if error.code in (400, 409, 422) else 1
    print(f"run/{args.name} {'created' if created else 'already submitted (same spec): following it'}", file=sys.stderr)

    try:
        for line in api.follow_log(args.name):
            print(line, flush=True)
    except ApiError as error:
        # Logs disabled on the pool, not written yet, unavailable or throttled: say so, still wait for the end.
        print(f"(log not available: {error}; watching the run to its end instead)", file=sys.stderr)
    except (http.client.IncompleteRead, ConnectionError) as error:
        # The stream broke off after some lines (the server's log says why): the output above is incomplete.
        print(f"(the log broke off before its end: {error!r}; watching the run to its end instead)", file=sys.stderr)

    try:
        run = api.wait_stopped(args.name)
    except ApiError as error:
        print(f"reading run/{args.name} failed: {error}", file=sys.stderr)
        return 1
    status = run["status"]
    print(f"run/{args.name} {status.get('outcome')}{': ' + status['message'] if status.get('message') else ''}", file=sys.stderr)
    return 0 if status.get("outcome") == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
