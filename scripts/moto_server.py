#!/usr/bin/env python3
"""moto server on loopback, as ecs-ship's tests, demo and benchmarks use it.

    python scripts/moto_server.py [--port N] [--simulate-logs]

Prints `moto ready on http://127.0.0.1:PORT` once it serves (PORT 0 picks a free one).
On top of plain moto it adds:

* a call counter: GET /_ecs_ship/calls returns {"ecs:DescribeTasks": 3, ...};
  POST /_ecs_ship/calls/reset zeroes it. Benchmarks compare tools with it.
* --simulate-logs: moto runs no containers, so nothing writes their logs. With this flag,
  each task RunTask starts "prints" a few lines to its awslogs stream, the way a migration
  would, so the demo shows log streaming. Tests put their own lines with PutLogEvents.
"""

import argparse
import collections
import json
import signal
import sys
import threading
import time

from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

ACCOUNT = "123456789012"


class CallCounter:
    """WSGI middleware counting AWS calls by service and action."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.calls = collections.Counter()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_ecs_ship/calls":
            with self.lock:
                body = json.dumps(dict(self.calls), sort_keys=True).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        if path == "/_ecs_ship/calls/reset":
            with self.lock:
                self.calls.clear()
            start_response("204 No Content", [])
            return [b""]
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            prefix, _, action = target.partition(".")
            service = {
                "AmazonEC2ContainerServiceV20141113": "ecs",
                "Logs_20140328": "logs",
                "AmazonEC2ContainerRegistry_V20150921": "ecr",
            }.get(prefix, prefix)
            with self.lock:
                self.calls[f"{service}:{action}"] += 1
        return self.app(environ, start_response)


def fix_moto_bugs():
    """moto 5.2's RunTask with awsvpc reads an ENI attribute only set in some branches."""
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface

    def private_dns_name(self):
        return self.__dict__.get("_private_dns_name") or "ip-{}.ec2.internal".format(
            str(self.private_ip_address).replace(".", "-")
        )

    def set_private_dns_name(self, value):
        self.__dict__["_private_dns_name"] = value

    NetworkInterface.private_dns_name = property(private_dns_name, set_private_dns_name)


def simulate_container_logs():
    """After RunTask, write each container's output to its awslogs stream."""
    from moto.ecs import models as ecs_models
    from moto.logs.models import logs_backends

    original = ecs_models.EC2ContainerServiceBackend.run_task

    def run_task(self, *args, **kwargs):
        tasks = original(self, *args, **kwargs)
        for task in tasks:
            definition = self.describe_task_definition(task.task_definition_arn)
            overrides = {o.get("name"): o for o in (task.overrides or {}).get("containerOverrides", [])}
            for container in definition.container_definitions:
                config = container.get("logConfiguration") or {}
                options = config.get("options") or {}
                if config.get("logDriver") != "awslogs" or "awslogs-stream-prefix" not in options:
                    continue
                name = container["name"]
                command = overrides.get(name, {}).get("command") or container.get("command") or ["app"]
                region = options.get("awslogs-region", task.region_name)
                group = options["awslogs-group"]
                stream = f"{options['awslogs-stream-prefix']}/{name}/{task.id}"
                backend = logs_backends[ACCOUNT][region]
                if group not in backend.groups:
                    backend.create_log_group(group, {})
                backend.create_log_stream(group, stream)
                now = int(time.time() * 1000)
                lines = [
                    f"$ {' '.join(command)}",
                    "== 20261122000001 CreateOrders: migrating =====================",
                    "-- create_table(:orders)",
                    "   -> 0.0042s",
                    "== 20261122000001 CreateOrders: migrated (0.0043s) ============",
                ]
                backend.put_log_events(
                    group, stream, [{"timestamp": now + i, "message": line} for i, line in enumerate(lines)]
                )
        return tasks

    ecs_models.EC2ContainerServiceBackend.run_task = run_task


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--simulate-logs", action="store_true")
    args = parser.parse_args()

    fix_moto_bugs()
    if args.simulate_logs:
        simulate_container_logs()

    app = CallCounter(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"moto ready on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
