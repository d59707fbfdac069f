#!/usr/bin/env python3
"""Helpers for bench/deploy.sh, against a moto server at $AWS_ENDPOINT_URL.

    deploy_world.py setup N        cluster `bench`, task definition `web`, services svc-01..svc-N,
                                   ECR repository `app` with tags v2..v4
    deploy_world.py register TAG   what the aws-ecs orb does before update-service: derive a
                                   revision of `web` with image app:TAG, print its ARN
    deploy_world.py calls          moto's call counter as `total describe_services`
    deploy_world.py reset          zero moto's call counter
    deploy_world.py check N TAG    every service runs a revision with app:TAG (exit 1 if not)
"""

import json
import os
import sys
import urllib.request

import boto3

URL = os.environ["AWS_ENDPOINT_URL"]
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"
ecs = boto3.client("ecs")
ecr = boto3.client("ecr")


def names(n):
    return [f"svc-{i:02d}" for i in range(1, n + 1)]


def setup(n):
    ecs.create_cluster(clusterName="bench")
    ecs.register_task_definition(
        family="web",
        containerDefinitions=[{"name": "app", "image": f"{REPO}:v1", "memory": 256, "essential": True}],
    )
    for name in names(n):
        ecs.create_service(cluster="bench", serviceName=name, taskDefinition="web", desiredCount=2, launchType="EC2")
    ecr.create_repository(repositoryName="app")
    for i, tag in enumerate(["v2", "v3", "v4"]):
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1000 + i, "digest": f"sha256:{i:064x}"},
            "layers": [],
        }
        ecr.put_image(repositoryName="app", imageTag=tag, imageManifest=json.dumps(manifest))


def register(tag):
    current = ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]
    for key in ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy"]:
        current.pop(key, None)
    current["containerDefinitions"][0]["image"] = f"{REPO}:{tag}"
    print(ecs.register_task_definition(**current)["taskDefinition"]["taskDefinitionArn"])


def calls():
    with urllib.request.urlopen(f"{URL}/_ecs_ship/calls") as response:
        counted = json.load(response)
    print(sum(counted.values()), counted.get("ecs:DescribeServices", 0))


def reset():
    urllib.request.urlopen(urllib.request.Request(f"{URL}/_ecs_ship/calls/reset", method="POST")).read()


def check(n, tag):
    bad = []
    for i in range(0, n, 10):
        for service in ecs.describe_services(cluster="bench", services=names(n)[i : i + 10])["services"]:
            image = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]["containerDefinitions"][0]["image"]
            if tag not in image and "@sha256:" not in image:
                bad.append((service["serviceName"], image))
    if bad:
        print(f"not deployed: {bad[:3]}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"setup": lambda: setup(int(args[0])), "register": lambda: register(args[0]), "calls": calls, "reset": reset,
     "check": lambda: check(int(args[0]), args[1])}[command]()
