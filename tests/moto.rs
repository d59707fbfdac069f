//! End to end against moto, the independent AWS stand-in.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::moto::Moto;
use crate::support::Test;

const CLUSTER: &str = "hoge-stg";

fn container(network_mode: &str) -> Value {
    json!({
        "family": "hoge-migrate",
        "networkMode": network_mode,
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "app",
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hoge:abc",
            "memory": 512,
            "essential": true,
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/ecs/hoge", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}
        }]
    })
}

async fn cluster_with_task_definition(moto: &Moto, network_mode: &str) {
    moto.ecs("CreateCluster", json!({"clusterName": CLUSTER}))
        .await;
    moto.ecs("RegisterTaskDefinition", container(network_mode))
        .await;
}

/// `run-task` of hoge-migrate on Fargate in the cluster, against `moto`.
fn run_fargate_task(moto: &Moto) -> Test {
    Test::new().endpoint(&moto.url).args([
        "run-task",
        "--cluster",
        CLUSTER,
        "--task-definition",
        "hoge-migrate",
        "--launch-type",
        "FARGATE",
    ])
}

/// Waits until moto has a task for the cluster and returns its ARN.
async fn first_task(moto: &Moto) -> String {
    for _ in 0..200 {
        let listed = moto.ecs("ListTasks", json!({"cluster": CLUSTER})).await;
        if let Some(arn) = listed["taskArns"].get(0).and_then(Value::as_str) {
            return arn.to_string();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no task was started");
}

#[tokio::test]
async fn migration_runs_streams_its_logs_and_succeeds() {
    let moto = Moto::start();
    moto.describes_per_task_step(2).await;
    cluster_with_task_definition(&moto, "bridge").await;
    moto.logs("CreateLogGroup", json!({"logGroupName": "/ecs/hoge"}))
        .await;

    let test =
        run_fargate_task(&moto).args(["--command", "rails db:migrate", "--poll-interval", "500ms"]);
    let run = tokio::task::spawn_blocking(move || test.run_blocking());
    // The container's output, as the awslogs driver would write it.
    let arn = first_task(&moto).await;
    let stream = format!("ecs/app/{}", arn.rsplit('/').next().unwrap());
    moto.logs(
        "CreateLogStream",
        json!({"logGroupName": "/ecs/hoge", "logStreamName": stream}),
    )
    .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let events: Vec<Value> = (1..=3)
        .map(|i| json!({"timestamp": now + i, "message": format!("== migration step {i} ==")}))
        .collect();
    moto.logs(
        "PutLogEvents",
        json!({"logGroupName": "/ecs/hoge", "logStreamName": stream, "logEvents": events}),
    )
    .await;

    let output = run.await.unwrap();
    output.status(0).stdout_has(&arn);
    let printed: Vec<&str> = output
        .stderr
        .lines()
        .filter(|l| l.starts_with("== migration step"))
        .collect();
    assert_eq!(
        printed,
        [
            "== migration step 1 ==",
            "== migration step 2 ==",
            "== migration step 3 =="
        ],
        "{}",
        output.stderr
    );

    let described = moto
        .ecs("DescribeTasks", json!({"cluster": CLUSTER, "tasks": [arn]}))
        .await;
    assert_eq!(
        described["tasks"][0]["overrides"]["containerOverrides"][0]["command"],
        json!(["rails", "db:migrate"])
    );
}

/// Pulls `<tag>value</tag>` out of an EC2 XML answer.
fn xml_value(xml: &str, tag: &str) -> String {
    let start = xml
        .find(&format!("<{tag}>"))
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + tag.len()
        + 2;
    xml[start..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn service_supplies_network_launch_type_and_platform_version() {
    let moto = Moto::start();
    cluster_with_task_definition(&moto, "awsvpc").await;
    let vpc = xml_value(
        &moto
            .ec2(&[("Action", "CreateVpc"), ("CidrBlock", "10.0.0.0/16")])
            .await,
        "vpcId",
    );
    let subnet = xml_value(
        &moto
            .ec2(&[
                ("Action", "CreateSubnet"),
                ("VpcId", &vpc),
                ("CidrBlock", "10.0.1.0/24"),
            ])
            .await,
        "subnetId",
    );
    let group = xml_value(
        &moto
            .ec2(&[
                ("Action", "CreateSecurityGroup"),
                ("GroupName", "app"),
                ("GroupDescription", "app"),
                ("VpcId", &vpc),
            ])
            .await,
        "groupId",
    );
    moto.ecs(
        "CreateService",
        json!({
            "cluster": CLUSTER, "serviceName": "hoge-service-stg", "taskDefinition": "hoge-migrate", "desiredCount": 0,
            "launchType": "FARGATE", "platformVersion": "1.4.0",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group], "assignPublicIp": "DISABLED"}}
        }),
    )
    .await;

    let output = Test::new()
        .endpoint(&moto.url)
        .args([
            "run-task",
            "--cluster",
            CLUSTER,
            "--service",
            "hoge-service-stg",
            "--command",
            "rails db:migrate",
            "--no-wait",
        ])
        .run()
        .await;
    output.status(0);
    let arn = output.stdout.trim().to_string();
    let task = &moto
        .ecs("DescribeTasks", json!({"cluster": CLUSTER, "tasks": [arn]}))
        .await["tasks"][0];
    assert_eq!(task["launchType"], "FARGATE", "{task}");
    assert_eq!(task["platformVersion"], "1.4.0", "{task}");
    assert!(task["taskDefinitionArn"]
        .as_str()
        .unwrap()
        .ends_with("hoge-migrate:1"));
    let details = task["attachments"][0]["details"].to_string();
    assert!(
        details.contains(&subnet),
        "the task runs in the service's subnet: {task}"
    );
}

#[tokio::test]
async fn role_arn_assumes_the_role_with_circleci_oidc() {
    let moto = Moto::start();
    cluster_with_task_definition(&moto, "bridge").await;
    // No static keys: only the role, assumed with a web identity token.
    let oidc = || {
        run_fargate_task(&moto)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .arg("--no-wait")
            .args([
                "--role-arn",
                "arn:aws:iam::123456789012:role/circleci-deploy",
            ])
    };
    // A JWT-shaped token; moto does not verify it, real STS does.
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvcmcvMS9wcm9qZWN0LzIifQ.c2lnbmF0dXJl";
    oidc()
        .env("CIRCLE_OIDC_TOKEN_V2", token)
        .run()
        .await
        .status(0)
        .stdout_has("task/");

    oidc()
        .run()
        .await
        .status(1)
        .stderr_has("CIRCLE_OIDC_TOKEN_V2")
        .stderr_has("AWS_WEB_IDENTITY_TOKEN_FILE");

    let with_file = oidc().file("token", token);
    let path = with_file.dir().join("token").display().to_string();
    with_file
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", path)
        .run()
        .await
        .status(0);
}

#[tokio::test]
async fn wait_on_a_settled_service_exits_0_at_once_and_changes_nothing() {
    let moto = Moto::start();
    cluster_with_task_definition(&moto, "awsvpc").await;
    moto.ecs(
        "CreateService",
        json!({"cluster": CLUSTER, "serviceName": "hoge-web", "taskDefinition": "hoge-migrate", "desiredCount": 0}),
    )
    .await;
    let output = Test::new()
        .endpoint(&moto.url)
        .args(["wait", "--cluster", CLUSTER, "--service", "hoge-web"])
        .args(["--timeout", "30s", "--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["services"][0]["followed"], "latest");
    assert_eq!(json["services"][0]["result"], "succeeded");
    let revisions = moto
        .ecs(
            "ListTaskDefinitions",
            json!({"familyPrefix": "hoge-migrate"}),
        )
        .await;
    assert_eq!(revisions["taskDefinitionArns"].as_array().unwrap().len(), 1);
}
