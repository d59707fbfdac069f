#!/usr/bin/env python3
"""Helpers for bench/status.sh, against a moto server at $AWS_ENDPOINT_URL.

    status_world.py setup N HISTORY  cluster `bench`, services svc-01..svc-N, each on its own
                                     family (the worst case: N distinct revisions) with HISTORY
                                     older revisions, every other service with a scalable target
                                     (some scaling suspended)
    status_world.py calls            moto's call counter as `total by-action-json`
    status_world.py reset            zero moto's call counter
"""

import json
import os
import sys
import urllib.request

import boto3

URL = os.environ["AWS_ENDPOINT_URL"]
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"
ecs = boto3.client("ecs")
scaling = boto3.client("application-autoscaling")


def names(n):
    return [f"svc-{i:02d}" for i in range(1, n + 1)]


def setup(n, history):
    ecs.create_cluster(clusterName="bench")
    for i, name in enumerate(names(n)):
        for revision in range(history + 1):
            container = {"name": "app", "image": f"{REPO}:v{revision}", "memory": 256, "essential": True}
            ecs.register_task_definition(family=name, containerDefinitions=[container])
        ecs.create_service(cluster="bench", serviceName=name, taskDefinition=name, desiredCount=2, launchType="EC2")
        if i % 2 == 0:
            scaling.register_scalable_target(
                ServiceNamespace="ecs", ResourceId=f"service/bench/{name}",
                ScalableDimension="ecs:service:DesiredCount", MinCapacity=2, MaxCapacity=10,
                SuspendedState={"DynamicScalingInSuspended": i % 4 == 0},
            )


def calls():
    with urllib.request.urlopen(f"{URL}/_ecs_ship/calls") as response:
        counted = json.load(response)
    print(sum(counted.values()), json.dumps(counted, separators=(",", ":"), sort_keys=True))


def reset():
    urllib.request.urlopen(urllib.request.Request(f"{URL}/_ecs_ship/calls/reset", method="POST")).read()


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"setup": lambda: setup(int(args[0]), int(args[1])), "calls": calls, "reset": reset}[command]()
