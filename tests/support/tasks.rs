//! run-task scenario builders: task definition hoge-service-stg:7 (an essential container that
//! logs to CloudWatch, and a sidecar that is not essential), its tasks as RunTask and
//! DescribeTasks send them (botocore `ecs` names), and the cluster that starts them.

use serde_json::{json, Value};
use wiremock::{MockServer, Respond, ResponseTemplate};

use super::aws::{aws_error, ecs, logs, mount, ok};
use super::Test;

pub const TASK: &str = "arn:aws:ecs:us-east-1:123456789012:task/hoge-stg/0123456789abcdef";
pub const TD: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/hoge-service-stg:7";

/// DescribeTaskDefinition's answer for TD.
pub fn task_definition() -> Value {
    json!({
        "taskDefinition": {
            "taskDefinitionArn": TD, "family": "hoge-service-stg", "revision": 7, "status": "ACTIVE",
            "containerDefinitions": [
                {"name": "hoge-stg", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hoge:abc", "essential": true,
                 "logConfiguration": {"logDriver": "awslogs", "options": {
                     "awslogs-group": "/ecs/hoge-stg", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}},
                {"name": "datadog", "image": "datadog/agent:7", "essential": false}
            ]
        },
        "tags": []
    })
}

pub fn task(status: &str, containers: Value) -> Value {
    json!({ "taskArn": TASK, "taskDefinitionArn": TD, "lastStatus": status, "desiredStatus": "RUNNING", "containers": containers })
}

/// TASK stopped, its containers having exited with these codes.
pub fn stopped(app_exit: Option<i32>, sidecar_exit: Option<i32>) -> Value {
    let mut value = task(
        "STOPPED",
        json!([{"name": "hoge-stg", "exitCode": app_exit, "lastStatus": "STOPPED"}, {"name": "datadog", "exitCode": sidecar_exit, "lastStatus": "STOPPED"}]),
    );
    value["stopCode"] = json!("EssentialContainerExited");
    value["stoppedReason"] = json!("Essential container in task exited");
    value
}

/// A RunTask or DescribeTasks answer listing `tasks`.
pub fn tasks(tasks: Vec<Value>) -> ResponseTemplate {
    ok(json!({ "tasks": tasks, "failures": [] }))
}

pub fn described(task: Value) -> ResponseTemplate {
    tasks(vec![task])
}

/// RunTask's answer: TASK is provisioning.
pub fn started() -> ResponseTemplate {
    described(task("PROVISIONING", json!([])))
}

/// ECS knowing TD and nothing else yet.
pub async fn knowing_the_task_definition() -> MockServer {
    let server = MockServer::start().await;
    mount(
        &server,
        ecs("DescribeTaskDefinition"),
        ok(task_definition()),
    )
    .await;
    server
}

/// A cluster that knows the task definition, starts TASK, and answers DescribeTasks and
/// GetLogEvents as given.
pub async fn cluster(
    describe_tasks: impl Respond + 'static,
    log_events: impl Respond + 'static,
) -> MockServer {
    let server = knowing_the_task_definition().await;
    mount(&server, ecs("RunTask"), started()).await;
    mount(&server, ecs("DescribeTasks"), describe_tasks).await;
    let stopping = ok(json!({ "task": task("STOPPING", json!([])) }));
    mount(&server, ecs("StopTask"), stopping).await;
    mount(&server, logs("GetLogEvents"), log_events).await;
    server
}

pub fn no_log_stream() -> ResponseTemplate {
    aws_error(
        400,
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
    )
}

/// `run-task` of hoge-service-stg in cluster hoge-stg against `server`.
pub fn run_task(server: &MockServer) -> Test {
    Test::new().endpoint(&server.uri()).args([
        "run-task",
        "--cluster",
        "hoge-stg",
        "--task-definition",
        "hoge-service-stg",
    ])
}

/// `run-task --command "rails db:migrate"`, polling every 100ms.
pub fn migrate(server: &MockServer) -> Test {
    run_task(server).args(["--command", "rails db:migrate", "--poll-interval", "100ms"])
}
