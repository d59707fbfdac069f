//! ECS scenario builders: task definitions, services with their rolling deployments and events,
//! service deployments, and the RegisterTaskDefinition responder. Field names are the botocore
//! `ecs` model's; timestamps are epoch seconds, as the JSON protocol sends them.

use serde_json::{json, Value};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use super::aws::ok;
use super::Test;

pub const ACCOUNT: &str = "123456789012";
/// An ECR repository of ACCOUNT, and a digest of one of its images.
pub const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app";
pub const DIGEST: &str = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
pub const CLUSTER_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:cluster/prod";
/// The live revision of service `web`, and the one a deploy registers.
pub const OLD_TD: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7";
pub const NEW_TD: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8";
/// When the scripted deployments were created and updated.
pub const NOW: f64 = 1_700_000_100.0;

/// The ARN of task definition `family:revision`.
pub fn td(family: &str, revision: u32) -> String {
    format!("arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{family}:{revision}")
}

/// The ARN of service `name` in cluster `prod`.
pub fn service_arn(name: &str) -> String {
    format!("arn:aws:ecs:us-east-1:{ACCOUNT}:service/prod/{name}")
}

/// Task definition `family:revision` with one essential container, `app`, on `image`.
pub fn app_definition(family: &str, revision: u32, image: &str) -> Value {
    json!({
        "taskDefinitionArn": td(family, revision), "family": family, "revision": revision,
        "status": "ACTIVE",
        "containerDefinitions": [{"name": "app", "image": image, "essential": true, "memory": 256}]
    })
}

/// A DescribeTaskDefinition answer: `definition`, without tags.
pub fn definition_answer(definition: Value) -> ResponseTemplate {
    ok(json!({ "taskDefinition": definition, "tags": [] }))
}

/// RegisterTaskDefinition as ECS answers it: the definition it was given, ACTIVE, as revision
/// `revision(family)` of its family, with the tags beside it.
pub fn register_as(revision: impl Fn(&str) -> u32 + Send + Sync + 'static) -> impl Respond {
    move |request: &Request| {
        let mut body: Value = serde_json::from_slice(&request.body).unwrap();
        let tags = body
            .as_object_mut()
            .unwrap()
            .remove("tags")
            .unwrap_or(json!([]));
        let family = body["family"].as_str().unwrap().to_string();
        let revision = revision(&family);
        body["taskDefinitionArn"] = json!(td(&family, revision));
        body["revision"] = json!(revision);
        body["status"] = json!("ACTIVE");
        ok(json!({ "taskDefinition": body, "tags": tags }))
    }
}

/// RegisterTaskDefinition answering every registration as revision 8 (web:7 becomes NEW_TD).
pub fn register_8() -> impl Respond {
    register_as(|_| 8)
}

/// ECR's DescribeImages answer for REPO's image tagged v2, at DIGEST.
pub fn app_v2_in_ecr() -> ResponseTemplate {
    ok(
        json!({ "imageDetails": [{ "registryId": ACCOUNT, "repositoryName": "app", "imageDigest": DIGEST, "imageTags": ["v2"] }] }),
    )
}

/// A rolling deployment (a `Deployment` of DescribeServices) of `td`.
pub fn deployment(
    id: &str,
    status: &str,
    td: &str,
    running: i64,
    desired: i64,
    rollout: &str,
) -> Value {
    json!({
        "id": id, "status": status, "taskDefinition": td, "desiredCount": desired,
        "runningCount": running, "pendingCount": desired - running, "failedTasks": 0,
        "rolloutState": rollout, "rolloutStateReason": format!("ECS deployment {id} {rollout}."),
        "createdAt": NOW, "updatedAt": NOW,
    })
}

/// Why ECS failed a deployment whose tasks did not start.
pub const CIRCUIT_BREAKER: &str = "ECS deployment circuit breaker: tasks failed to start.";

/// A service event.
pub fn event(id: &str, message: &str) -> Value {
    json!({ "id": id, "createdAt": 1700000000.0, "message": message })
}

/// Service `name` in cluster `prod` on `td`, running its 2 tasks.
pub fn service(name: &str, td: &str, deployments: Vec<Value>, events: Vec<Value>) -> Value {
    json!({
        "serviceName": name, "serviceArn": service_arn(name), "clusterArn": CLUSTER_ARN,
        "status": "ACTIVE", "taskDefinition": td, "desiredCount": 2, "runningCount": 2, "pendingCount": 0,
        "deployments": deployments, "events": events,
    })
}

/// Service `name` settled on `td`: its one deployment, `id`, completed with every task running.
pub fn settled(name: &str, td: &str, id: &str, events: Vec<Value>) -> Value {
    service(
        name,
        td,
        vec![deployment(id, "PRIMARY", td, 2, 2, "COMPLETED")],
        events,
    )
}

/// Service `web` on `td` with one PRIMARY deployment `id` of it, in rollout state `rollout`.
pub fn web_service(td: &str, id: &str, rollout: &str) -> Value {
    let running = if rollout == "IN_PROGRESS" { 0 } else { 2 };
    service(
        "web",
        td,
        vec![deployment(id, "PRIMARY", td, running, 2, rollout)],
        vec![],
    )
}

/// `value` with `fields` (an object) set on it.
pub fn with(mut value: Value, fields: Value) -> Value {
    let object = value.as_object_mut().expect("an object");
    for (key, field) in fields.as_object().expect("fields are an object") {
        object.insert(key.clone(), field.clone());
    }
    value
}

/// A DescribeServices answer listing `list`.
pub fn services(list: Vec<Value>) -> ResponseTemplate {
    ok(json!({ "services": list, "failures": [] }))
}

// Service deployments (ECS-native blue/green, linear and canary).

pub const OLD_SD: &str = "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/old111";
pub const NEW_SD: &str = "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/new222";
pub const NEWER_SD: &str =
    "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/newer333";
pub const OLD_REV: &str = "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/1000";
pub const NEW_REV: &str = "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/2000";

/// Service `web` on `td` deploying with `strategy` through the ECS controller, its current
/// service deployment `current`.
pub fn ecs_controlled(td: &str, strategy: &str, current: &str) -> Value {
    let primary = json!({"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": td,
        "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "failedTasks": 0,
        "createdAt": NOW, "updatedAt": NOW});
    with(
        service("web", td, vec![primary], vec![]),
        json!({
            "deploymentController": {"type": "ECS"},
            "deploymentConfiguration": {"strategy": strategy, "bakeTimeInMinutes": 60,
                "maximumPercent": 200, "minimumHealthyPercent": 100},
            "currentServiceDeployment": current,
        }),
    )
}

/// A service revision in a service deployment.
fn service_revision(arn: &str, running: i64, production: f64, test: f64) -> Value {
    json!({"arn": arn, "requestedTaskCount": 2, "runningTaskCount": running, "pendingTaskCount": 2 - running,
           "requestedProductionTrafficWeight": production, "requestedTestTrafficWeight": test})
}

/// One service deployment from OLD_REV to NEW_REV, as DescribeServiceDeployments sends it.
pub fn service_deployment(arn: &str, status: &str, stage: &str, production: f64) -> Value {
    json!({
        "serviceDeploymentArn": arn, "serviceArn": service_arn("web"),
        "clusterArn": CLUSTER_ARN,
        "createdAt": NOW, "startedAt": NOW, "updatedAt": NOW,
        "sourceServiceRevisions": [service_revision(OLD_REV, 2, 100.0 - production, 0.0)],
        "targetServiceRevision": service_revision(NEW_REV, 2, production, 100.0),
        "status": status, "lifecycleStage": stage,
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 60},
        "deploymentCircuitBreaker": {"status": "MONITORING", "failureCount": 0, "threshold": 3},
        "alarms": {"status": "MONITORING", "alarmNames": ["web-5xx"], "triggeredAlarmNames": []},
    })
}

/// A service deployment paused at `stage` by a PAUSE lifecycle hook awaiting action.
pub fn paused(arn: &str, stage: &str) -> Value {
    with(
        service_deployment(arn, "IN_PROGRESS", stage, 0.0),
        json!({"lifecycleHookDetails": [{
            "hookId": "hook-approve", "targetType": "PAUSE", "status": "AWAITING_ACTION",
            "expiresAt": 1_700_086_500.0, "timeoutAction": "ROLLBACK"
        }]}),
    )
}

/// A DescribeServiceDeployments answer listing `list`.
pub fn service_deployments(list: Vec<Value>) -> ResponseTemplate {
    ok(json!({ "serviceDeployments": list, "failures": [] }))
}

/// `--cluster prod --service web`.
pub const PROD_WEB: [&str; 4] = ["--cluster", "prod", "--service", "web"];

/// `COMMAND --cluster prod --service SERVICE` against `server`, polling every 100ms.
pub fn in_prod(server: &MockServer, command: &str, service: &str) -> Test {
    Test::new().endpoint(&server.uri()).args([
        command,
        "--cluster",
        "prod",
        "--service",
        service,
        "--poll-interval",
        "100ms",
    ])
}

/// `COMMAND` of service `web` in cluster `prod`, polling every 100ms for at most 20s.
pub fn ship(server: &MockServer, command: &str) -> Test {
    in_prod(server, command, "web").args(["--timeout", "20s"])
}
