#!/usr/bin/env python3
"""Helpers for bench/prune.sh, against a moto server at $AWS_ENDPOINT_URL.

    prune_world.py setup N     cluster `bench`, family `web` with revisions 1..N, service `web`
                               on the newest and service `old` on revision N/5 (in use)
    prune_world.py calls       moto's call counter as `total list_task_definitions deregistrations`
    prune_world.py reset       zero moto's call counter
    prune_world.py active      the ACTIVE revisions of `web`, as `count newest...`
    prune_world.py check N K   revisions N-K+1..N and N/5 are ACTIVE, nothing else (exit 1 if not)
"""

import json
import os
import sys
import urllib.request

import boto3

URL = os.environ["AWS_ENDPOINT_URL"]
ecs = boto3.client("ecs")


def setup(n):
    ecs.create_cluster(clusterName="bench")
    for i in range(1, n + 1):
        ecs.register_task_definition(
            family="web",
            containerDefinitions=[{"name": "app", "image": f"app:v{i}", "memory": 256, "essential": True}],
        )
    # A family the prefix `web` also matches: never touched.
    ecs.register_task_definition(
        family="web-worker", containerDefinitions=[{"name": "app", "image": "app:w", "memory": 256}]
    )
    ecs.create_service(cluster="bench", serviceName="web", taskDefinition=f"web:{n}", desiredCount=0)
    ecs.create_service(cluster="bench", serviceName="old", taskDefinition=f"web:{n // 5}", desiredCount=0)


def calls():
    with urllib.request.urlopen(f"{URL}/_ecs_ship/calls") as response:
        counted = json.load(response)
    print(sum(counted.values()), counted.get("ecs:ListTaskDefinitions", 0), counted.get("ecs:DeregisterTaskDefinition", 0))


def reset():
    urllib.request.urlopen(urllib.request.Request(f"{URL}/_ecs_ship/calls/reset", method="POST")).read()


def active():
    arns = []
    for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix="web", status="ACTIVE"):
        arns += [a for a in page["taskDefinitionArns"] if a.rsplit("/", 1)[1].split(":")[0] == "web"]
    return sorted(int(a.rsplit(":", 1)[1]) for a in arns)


def check(n, keep):
    expected = sorted({n // 5, *range(n - keep + 1, n + 1)})
    found = active()
    if found != expected:
        print(f"ACTIVE revisions {found[:12]}… ({len(found)}), expected {expected}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"setup": lambda: setup(int(args[0])), "calls": calls, "reset": reset,
     "active": lambda: print(len(active()), *active()[-3:]),
     "check": lambda: check(int(args[0]), int(args[1]))}[command]()
