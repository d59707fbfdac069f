#!/usr/bin/env python3
"""moto server on loopback, as ecs-ship's tests, demo and benchmarks use it.

    python scripts/moto_server.py [--port N] [--simulate-logs]

Prints `moto ready on http://127.0.0.1:PORT` once it serves (PORT 0 picks a free one).
On top of plain moto it adds:

* a call counter: GET /_ecs_ship/calls returns {"ecs:DescribeTasks": 3, ...};
  POST /_ecs_ship/calls/reset zeroes it. Benchmarks compare tools with it.
* --roll-deployments: moto's UpdateService never starts a deployment. With this flag it does,
  as ECS does: a new PRIMARY deployment of the new revision (the old one turns ACTIVE), which
  each DescribeServices then moves on (new tasks running, then the old deployment gone and
  rolloutState COMPLETED, with service events). `deploy` and the benchmarks wait on this.
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
                "AWSEvents": "events",
            }.get(prefix, prefix)
            with self.lock:
                self.calls[f"{service}:{action}"] += 1
        elif path.startswith("/schedules/"):
            # EventBridge Scheduler is REST: the method says which call it is.
            action = {"GET": "GetSchedule", "PUT": "UpdateSchedule", "POST": "CreateSchedule"}.get(
                environ.get("REQUEST_METHOD", ""), environ.get("REQUEST_METHOD", ""))
            with self.lock:
                self.calls[f"scheduler:{action}"] += 1
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


def roll_deployments(describes_to_complete=2):
    """UpdateService starts a deployment and DescribeServices rolls it (see --roll-deployments).

    Owned by `deploy` (src/commands/deploy.rs); kept apart from the run-task patches above.
    """
    import datetime
    import uuid

    from moto.ecs import models as ecs_models
    from moto.moto_api._internal import mock_random

    backend_class = ecs_models.EC2ContainerServiceBackend
    original_update = backend_class.update_service
    original_describe = backend_class.describe_services

    def now():
        return datetime.datetime.now(datetime.timezone.utc)

    def add_event(service, message):
        service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": now(), "message": f"(service {service.name}) {message}"})
        del service.events[100:]

    def update_service(self, service_properties):
        cluster = service_properties.get("cluster", "default")
        name = service_properties.get("service", "").split("/")[-1]
        new_definition = service_properties.get("task_definition")
        force = service_properties.get("force_new_deployment", False)
        before = self._get_service(cluster, name)
        old_definition = before.task_definition
        service = original_update(self, service_properties)
        if new_definition:
            # moto keeps what was sent (a family or family:rev); ECS answers with the full ARN.
            service.task_definition = self.describe_task_definition(new_definition).arn
        if service.deployment_controller.get("type", "ECS") != "ECS" or not service.deployments:
            return service
        if service.task_definition == old_definition and not force:
            return service
        for deployment in service.deployments:
            deployment["status"] = "ACTIVE"
        deployment_id = f"ecs-svc/{mock_random.randint(0, 32**12)}"
        service.deployments.insert(0, {
            "id": deployment_id, "status": "PRIMARY", "taskDefinition": service.task_definition,
            "desiredCount": service.desired_count, "pendingCount": service.desired_count, "runningCount": 0,
            "failedTasks": 0, "launchType": service.launch_type, "createdAt": now(), "updatedAt": now(),
            "rolloutState": "IN_PROGRESS", "rolloutStateReason": "ECS deployment in progress.",
            "_describes": 0,
        })
        add_event(service, f"has started {service.desired_count} tasks.")
        return service

    def describe_services(self, cluster_str, service_names_or_arns):
        services, failures = original_describe(self, cluster_str, service_names_or_arns)
        for service in services:
            primary = next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)
            if not primary or "_describes" not in primary or primary["rolloutState"] != "IN_PROGRESS":
                continue
            primary["_describes"] += 1
            primary["updatedAt"] = now()
            if primary["_describes"] < describes_to_complete:
                primary["runningCount"] = primary["desiredCount"]
                primary["pendingCount"] = 0
                for old in service.deployments[1:]:
                    old["runningCount"] = 0
                    old["desiredCount"] = 0
            else:
                primary["runningCount"] = primary["desiredCount"]
                primary["pendingCount"] = 0
                primary["rolloutState"] = "COMPLETED"
                primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
                del service.deployments[1:]
                service.running_count = primary["desiredCount"]
                service.pending_count = 0
                add_event(service, "has reached a steady state.")
        return services, failures

    backend_class.update_service = update_service
    backend_class.describe_services = describe_services


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--simulate-logs", action="store_true")
    parser.add_argument("--roll-deployments", action="store_true")
    args = parser.parse_args()

    fix_moto_bugs()
    if args.simulate_logs:
        simulate_container_logs()
    if args.roll_deployments:
        roll_deployments()

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
