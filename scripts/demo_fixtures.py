#!/usr/bin/env python3
"""Creates the demo's AWS resources in a local moto server (never real AWS).

    python scripts/demo_fixtures.py http://127.0.0.1:PORT

A cluster `shop-demo`, an ECR repository `shop` with images v1 and v2, a task definition
`shop-web` logging to CloudWatch, a service `shop-web` running v1, and an EventBridge Scheduler
schedule `nightly-report` (group `shop`) that runs the same task definition every night.
"""

import json
import sys

import boto3

ACCOUNT = "123456789012"
REGION = "us-east-1"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


def main(endpoint):
    if not endpoint.startswith("http://127.0.0.1:"):
        sys.exit("demo fixtures only go to a local moto server on 127.0.0.1")
    session = boto3.session.Session(aws_access_key_id="demo", aws_secret_access_key="demo", region_name=REGION)
    ecs, ecr, logs, scheduler = (
        session.client(name, endpoint_url=endpoint) for name in ("ecs", "ecr", "logs", "scheduler")
    )

    ecs.create_cluster(clusterName="shop-demo")
    logs.create_log_group(logGroupName="/ecs/shop-demo")
    ecr.create_repository(repositoryName="shop")
    for tag in ("v1", "v2"):
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                       "digest": "sha256:" + (tag * 32)[:64].replace("v", "a")},
            "layers": [],
        }
        ecr.put_image(repositoryName="shop", imageManifest=json.dumps(manifest), imageTag=tag)
    ecs.register_task_definition(
        family="shop-web",
        networkMode="bridge",
        cpu="256",
        memory="512",
        containerDefinitions=[{
            "name": "web",
            "image": f"{REGISTRY}/shop:v1",
            "memory": 512,
            "essential": True,
            "portMappings": [{"containerPort": 3000}],
            "environment": [{"name": "RAILS_ENV", "value": "production"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/ecs/shop-demo", "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"}},
        }],
        tags=[{"key": "team", "value": "shop"}],
    )
    ecs.create_service(cluster="shop-demo", serviceName="shop-web", taskDefinition="shop-web",
                       desiredCount=2, launchType="FARGATE")
    # The nightly report: the same image as the service, another command, on a schedule.
    scheduler.create_schedule_group(Name="shop")
    scheduler.create_schedule(
        Name="nightly-report",
        GroupName="shop",
        ScheduleExpression="cron(0 3 * * ? *)",
        ScheduleExpressionTimezone="Asia/Tokyo",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/shop-demo",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/ecsEventsRole",
            "Input": json.dumps({"containerOverrides": [{"name": "web", "command": ["bin/rails", "reports:nightly"]}]}),
            "EcsParameters": {
                "TaskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/shop-web:1",
                "TaskCount": 1,
                "LaunchType": "FARGATE",
            },
        },
    )


def show_schedule(endpoint):
    """Prints the task definition the nightly schedule runs."""
    session = boto3.session.Session(aws_access_key_id="demo", aws_secret_access_key="demo", region_name=REGION)
    schedule = session.client("scheduler", endpoint_url=endpoint).get_schedule(Name="nightly-report", GroupName="shop")
    arn = schedule["Target"]["EcsParameters"]["TaskDefinitionArn"]
    print(f"schedule shop/nightly-report ({schedule['ScheduleExpression']} {schedule['ScheduleExpressionTimezone']}) "
          f"runs {arn.rsplit('/', 1)[-1]}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--show-schedule"]:
        show_schedule(sys.argv[2])
    else:
        main(sys.argv[1])
