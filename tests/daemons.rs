//! `deploy --daemon` against scripted ECS answers (wiremock; moto implements no daemon API):
//! the daemon is found among ListDaemons pages, its daemon task definition derived raw and
//! pinned, UpdateDaemon keeps what the daemon had, and the daemon deployment is followed to its
//! verdict. Shapes are the botocore `ecs` model's (DaemonDetail, DaemonRevision,
//! DaemonTaskDefinition, DaemonDeployment).

use std::sync::Mutex;

use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{aws_error, count, ecr, ecs, mount, ok, requests, sequence, ECS};
use crate::support::check_schema;
use crate::support::ecs::{
    app_v2_in_ecr, deployment, register_8, service, services, settled, with, CLUSTER_ARN, DIGEST,
    NEW_TD, NOW, OLD_TD, REPO,
};
use crate::support::iam;
use crate::support::Test;

const AGENT: &str = "arn:aws:ecs:us-east-1:123456789012:daemon/prod/agent";
const OTHER: &str = "arn:aws:ecs:us-east-1:123456789012:daemon/prod/log-router";
const OLD_DTD: &str = "arn:aws:ecs:us-east-1:123456789012:daemon-task-definition/agent:3";
const NEW_DTD: &str = "arn:aws:ecs:us-east-1:123456789012:daemon-task-definition/agent:4";
const REV_1: &str = "arn:aws:ecs:us-east-1:123456789012:daemon-revision/prod/agent/1";
const REV_2: &str = "arn:aws:ecs:us-east-1:123456789012:daemon-revision/prod/agent/2";
const LAST_DEPLOYMENT: &str = "arn:aws:ecs:us-east-1:123456789012:daemon-deployment/prod/agent/d1";
const NEW_DEPLOYMENT: &str = "arn:aws:ecs:us-east-1:123456789012:daemon-deployment/prod/agent/d2";
const ASG_A: &str = "arn:aws:ecs:us-east-1:123456789012:capacity-provider/asg-a";
const ASG_B: &str = "arn:aws:ecs:us-east-1:123456789012:capacity-provider/asg-b";

/// The daemon's live definition: every field a DaemonTaskDefinition has, read-only ones
/// included, and one this SDK does not know.
fn live_definition() -> Value {
    json!({
        "daemonTaskDefinitionArn": OLD_DTD, "family": "agent", "revision": 3,
        "taskRoleArn": "arn:aws:iam::123456789012:role/agent-task",
        "executionRoleArn": "arn:aws:iam::123456789012:role/agent-exec",
        "containerDefinitions": [{"name": "agent", "image": format!("{REPO}:v1"), "essential": true,
            "memoryReservation": 128, "privileged": true,
            "environment": [{"name": "LEVEL", "value": "info"}]}],
        "volumes": [{"name": "proc", "host": {"sourcePath": "/proc"}}],
        "cpu": "256", "memory": "512", "status": "ACTIVE",
        "registeredAt": NOW, "registeredBy": "arn:aws:iam::123456789012:user/ci",
        "pidMode": "host", "ipcMode": "host",
        "someDaemonFieldFromNextYear": {"nested": [1, "two", null]}
    })
}

/// `live_definition` as registered again with the image at DIGEST: the family's latest.
fn pinned_definition() -> Value {
    let mut definition = live_definition();
    definition["daemonTaskDefinitionArn"] = json!(NEW_DTD);
    definition["revision"] = json!(4);
    definition["containerDefinitions"][0]["image"] = json!(format!("{REPO}@{DIGEST}"));
    definition
}

/// The last deployment's configuration, with a field this SDK does not know.
fn configuration() -> Value {
    json!({"drainPercent": 25.0, "bakeTimeInMinutes": 5,
           "alarms": {"alarmNames": ["agent-errors"], "enable": true},
           "someKnobFromNextYear": 7})
}

fn revision_detail(
    arn: &str,
    running: i64,
    draining: i64,
    without: i64,
    providers: Vec<Value>,
) -> Value {
    json!({"arn": arn, "capacityProviders": providers, "totalRunningInstanceCount": running,
           "totalDrainingInstanceCount": draining, "totalWithoutDaemonInstanceCount": without})
}

fn on(provider: &str, running: i64, draining: i64, without: i64) -> Value {
    json!({"arn": provider, "runningInstanceCount": running, "drainingInstanceCount": draining,
           "withoutDaemonInstanceCount": without})
}

/// Daemon deployment `arn` in `status`: REV_1 on two instances of ASG_A moving to REV_2.
fn daemon_deployment(arn: &str, status: &str, target: Value, source: Value) -> Value {
    json!({
        "daemonDeploymentArn": arn, "clusterArn": CLUSTER_ARN, "status": status,
        "targetDaemonRevision": target, "sourceDaemonRevisions": [source],
        "circuitBreaker": {"failureCount": 0, "status": "MONITORING", "threshold": 3},
        "alarms": {"status": "MONITORING", "alarmNames": ["agent-errors"], "triggeredAlarmNames": []},
        "deploymentConfiguration": configuration(),
        "createdAt": NOW, "startedAt": NOW
    })
}

fn draining() -> Value {
    daemon_deployment(
        NEW_DEPLOYMENT,
        "IN_PROGRESS",
        revision_detail(REV_2, 1, 0, 1, vec![on(ASG_A, 1, 0, 1)]),
        revision_detail(REV_1, 1, 1, 0, vec![on(ASG_A, 1, 1, 0)]),
    )
}

fn done() -> Value {
    daemon_deployment(
        NEW_DEPLOYMENT,
        "SUCCESSFUL",
        revision_detail(REV_2, 2, 0, 0, vec![on(ASG_A, 2, 0, 0)]),
        revision_detail(REV_1, 0, 0, 0, vec![on(ASG_A, 0, 0, 0)]),
    )
}

/// The new deployment rolled back by ECS because alarm `agent-errors` fired.
fn rolled_back_by_alarm() -> Value {
    with(
        daemon_deployment(
            NEW_DEPLOYMENT,
            "ROLLBACK_IN_PROGRESS",
            revision_detail(REV_2, 1, 1, 0, vec![on(ASG_A, 1, 1, 0)]),
            revision_detail(REV_1, 1, 0, 0, vec![on(ASG_A, 1, 0, 0)]),
        ),
        json!({
            "statusReason": "Daemon deployment rolling back.",
            "alarms": {"status": "TRIGGERED", "alarmNames": ["agent-errors"], "triggeredAlarmNames": ["agent-errors"]},
            "rollback": {"reason": "CloudWatch alarm agent-errors is in ALARM", "startedAt": NOW,
                         "rollbackTargetDaemonRevisionArn": REV_1, "rollbackCapacityProviders": [ASG_A]}
        }),
    )
}

/// ListDaemons in two pages: the daemon sought is on the second.
struct Pages;

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let summary = |arn: &str| json!({"daemonArn": arn, "status": "ACTIVE", "createdAt": NOW});
        match body["nextToken"].as_str() {
            None => ok(json!({"daemonSummariesList": [summary(OTHER)], "nextToken": "page-2"})),
            Some("page-2") => ok(json!({"daemonSummariesList": [summary(AGENT)]})),
            Some(other) => panic!("unexpected token {other}"),
        }
    }
}

/// DescribeDaemonTaskDefinition: the live one by ARN, `latest` for the bare family.
struct Definitions {
    latest: Value,
}

impl Respond for Definitions {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        match body["daemonTaskDefinition"].as_str() {
            Some("agent") => ok(json!({"daemonTaskDefinition": self.latest})),
            Some(OLD_DTD) => ok(json!({"daemonTaskDefinition": live_definition()})),
            _ => aws_error(
                400,
                "ClientException",
                "Unable to describe daemon task definition.",
            ),
        }
    }
}

/// DescribeDaemonDeployments: the last deployment as it ended; the new one, one snapshot per
/// poll, the last repeated.
struct Deployments(Mutex<Vec<Value>>);

impl Respond for Deployments {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let arn = body["daemonDeploymentArns"][0].as_str().unwrap();
        let deployment = if arn == LAST_DEPLOYMENT {
            with(done(), json!({"daemonDeploymentArn": LAST_DEPLOYMENT}))
        } else {
            let mut snapshots = self.0.lock().unwrap();
            if snapshots.len() > 1 {
                snapshots.remove(0)
            } else {
                snapshots[0].clone()
            }
        };
        ok(json!({"daemonDeployments": [deployment], "failures": []}))
    }
}

/// The daemon task definitions' tags (ListTagsForResource: DescribeDaemonTaskDefinition has none).
fn tags() -> Value {
    json!([{"key": "team", "value": "platform"}, {"key": "cost-center", "value": "42"}])
}

/// Daemon `agent` of cluster `prod` on OLD_DTD (capacity providers ASG_A and ASG_B), whose new
/// deployment goes through `snapshots`; the family's latest is `latest`.
async fn scenario(snapshots: Vec<Value>, latest: Value) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, ecs("ListDaemons"), Pages).await;
    let current = json!({"arn": REV_1, "totalRunningCount": 2, "totalWithoutDaemonCount": 0,
        "capacityProviders": [{"arn": ASG_A, "runningCount": 2, "withoutDaemonCount": 0},
                              {"arn": ASG_B, "runningCount": 0, "withoutDaemonCount": 0}]});
    let daemon = json!({"daemonArn": AGENT, "clusterArn": CLUSTER_ARN, "status": "ACTIVE",
        "currentRevisions": [current], "deploymentArn": LAST_DEPLOYMENT,
        "createdAt": NOW, "updatedAt": NOW});
    mount(
        &server,
        ecs("DescribeDaemon"),
        ok(json!({ "daemon": daemon })),
    )
    .await;
    let revision = json!({"daemonRevisionArn": REV_1, "clusterArn": CLUSTER_ARN, "daemonArn": AGENT,
        "daemonTaskDefinitionArn": OLD_DTD, "createdAt": NOW,
        "containerImages": [{"containerName": "agent", "image": format!("{REPO}:v1"), "imageDigest": DIGEST}],
        "propagateTags": "DAEMON", "enableECSManagedTags": true, "enableExecuteCommand": false,
        "critical": true});
    let revisions = ok(json!({"daemonRevisions": [revision], "failures": []}));
    mount(&server, ecs("DescribeDaemonRevisions"), revisions).await;
    mount(
        &server,
        ecs("DescribeDaemonTaskDefinition"),
        Definitions { latest },
    )
    .await;
    let tags = ok(json!({ "tags": tags() }));
    mount(&server, ecs("ListTagsForResource"), tags).await;
    let registered = ok(json!({ "daemonTaskDefinitionArn": NEW_DTD }));
    mount(&server, ecs("RegisterDaemonTaskDefinition"), registered).await;
    let started = json!({"daemonArn": AGENT, "status": "ACTIVE", "createdAt": NOW,
        "updatedAt": NOW, "deploymentArn": NEW_DEPLOYMENT});
    mount(&server, ecs("UpdateDaemon"), ok(started)).await;
    let deployments = Deployments(Mutex::new(snapshots));
    mount(&server, ecs("DescribeDaemonDeployments"), deployments).await;
    mount(&server, ecr("DescribeImages"), app_v2_in_ecr()).await;
    server
}

/// `deploy --daemon agent --image agent=REPO:v2` in cluster `prod`, JSON out, for 20s at most.
fn deploy_agent(server: &MockServer) -> Test {
    deploy_agent_within(server, "20s")
}

fn deploy_agent_within(server: &MockServer, timeout: &str) -> Test {
    Test::new().endpoint(&server.uri()).args([
        "deploy",
        "--cluster",
        "prod",
        "--daemon",
        "agent",
        "--image",
        &format!("agent={REPO}:v2"),
        "--poll-interval",
        "100ms",
        "--timeout",
        timeout,
        "--output",
        "json",
    ])
}

#[tokio::test]
async fn a_daemon_deployment_that_drains_instances_succeeds() {
    let server = scenario(vec![draining(), done()], live_definition()).await;
    let output = deploy_agent(&server).run().await;
    output
        .status(0)
        .stderr_has("agent: daemon deployment d2 IN_PROGRESS")
        .stderr_has("agent: new revision 2 on asg-a: 1 running, 0 draining, 1 without the daemon")
        .stderr_has("agent: old revision 1 on asg-a: 1 running, 1 draining, 0 without the daemon")
        .stderr_has("agent: daemon deployment d2 SUCCESSFUL");
    let result = output.json();
    check_schema(&result);
    let daemon = &result["daemons"][0];
    assert_eq!(daemon["result"], "succeeded");
    assert_eq!(daemon["deployment_arn"], NEW_DEPLOYMENT);
    assert_eq!(daemon["daemon_task_definition"], NEW_DTD);
    assert_eq!(daemon["previous_daemon_task_definition"], OLD_DTD);
    assert_eq!(
        daemon["capacity_providers"],
        json!([{"capacity_provider": "asg-a", "running": 2, "draining": 0, "without_daemon": 0}])
    );
    assert_eq!(result["services"], json!([]));
    assert_eq!(result["pinned_images"][0]["to"], format!("{REPO}@{DIGEST}"));
}

#[tokio::test]
async fn a_daemon_task_definition_keeps_every_field_and_its_tags_and_pins_the_image() {
    let server = scenario(vec![done()], live_definition()).await;
    deploy_agent(&server).run().await.status(0);
    let registered = requests(&server, ECS, "RegisterDaemonTaskDefinition")
        .await
        .swap_remove(0);
    let mut expected = live_definition();
    for read_only in [
        "daemonTaskDefinitionArn",
        "revision",
        "status",
        "registeredAt",
        "registeredBy",
    ] {
        expected.as_object_mut().unwrap().remove(read_only);
    }
    expected["containerDefinitions"][0]["image"] = json!(format!("{REPO}@{DIGEST}"));
    expected["tags"] = tags();
    assert_eq!(
        registered, expected,
        "every other field as read, the newer one included, and the tags"
    );
    let tags_read = requests(&server, ECS, "ListTagsForResource").await;
    assert_eq!(tags_read[0]["resourceArn"], OLD_DTD);
}

#[tokio::test]
async fn update_daemon_keeps_capacity_providers_deployment_configuration_and_flags() {
    let server = scenario(vec![done()], live_definition()).await;
    deploy_agent(&server).run().await.status(0);
    let update = requests(&server, ECS, "UpdateDaemon").await.swap_remove(0);
    assert_eq!(
        update,
        json!({
            "daemonArn": AGENT, "daemonTaskDefinitionArn": NEW_DTD,
            "capacityProviderArns": [ASG_A, ASG_B],
            "deploymentConfiguration": configuration(),
            "propagateTags": "DAEMON", "enableECSManagedTags": true,
            "enableExecuteCommand": false, "critical": true
        })
    );
}

#[tokio::test]
async fn the_family_latest_revision_is_reused_when_nothing_changed() {
    let server = scenario(vec![done()], pinned_definition()).await;
    let output = deploy_agent(&server).run().await;
    output
        .status(0)
        .stderr_has("agent:4 already has these settings");
    assert_eq!(count(&server, ECS, "RegisterDaemonTaskDefinition").await, 0);
    let update = requests(&server, ECS, "UpdateDaemon").await.swap_remove(0);
    assert_eq!(update["daemonTaskDefinitionArn"], NEW_DTD);
}

#[tokio::test]
async fn an_alarm_that_triggers_a_rollback_fails_with_exit_3() {
    let server = scenario(vec![draining(), rolled_back_by_alarm()], live_definition()).await;
    let output = deploy_agent(&server).run().await;
    output
        .status(3)
        .stderr_has("alarms triggered: agent-errors")
        .stderr_has("rollback: CloudWatch alarm agent-errors is in ALARM");
    let result = output.json();
    check_schema(&result);
    let daemon = &result["daemons"][0];
    assert_eq!(result["result"], "failed");
    assert_eq!(daemon["result"], "failed");
    assert_eq!(daemon["triggered_alarms"], json!(["agent-errors"]));
    assert_eq!(
        daemon["rollback_reason"],
        "CloudWatch alarm agent-errors is in ALARM"
    );
    assert_eq!(daemon["deployment_status"], "ROLLBACK_IN_PROGRESS");
}

#[tokio::test]
async fn a_tripped_circuit_breaker_fails_with_exit_3_and_its_count() {
    let tripped = with(
        draining(),
        json!({"circuitBreaker": {"failureCount": 3, "status": "TRIGGERED", "threshold": 3}}),
    );
    let server = scenario(vec![tripped], live_definition()).await;
    let output = deploy_agent(&server).run().await;
    output
        .status(3)
        .stderr_has("circuit breaker: 3 failed (threshold 3)");
    assert_eq!(output.json()["daemons"][0]["circuit_breaker_failures"], 3);
}

#[tokio::test]
async fn a_daemon_still_deploying_at_the_timeout_is_124() {
    let server = scenario(vec![draining()], live_definition()).await;
    let output = deploy_agent_within(&server, "2s").run().await;
    output.status(124).stderr_has("1 without the daemon");
    assert_eq!(output.json()["daemons"][0]["result"], "timed_out");
}

#[tokio::test]
async fn an_unknown_daemon_is_exit_1_before_anything_changes() {
    let server = scenario(vec![done()], live_definition()).await;
    let output = Test::new()
        .endpoint(&server.uri())
        .args([
            "deploy",
            "--cluster",
            "prod",
            "--daemon",
            "agent",
            "--daemon",
            "nope",
        ])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("daemon `nope` not found in cluster `prod`");
    assert_eq!(
        count(&server, ECS, "ListDaemons").await,
        2,
        "every page read"
    );
    for changing in [
        "RegisterDaemonTaskDefinition",
        "UpdateDaemon",
        "DescribeDaemon",
    ] {
        assert_eq!(count(&server, ECS, changing).await, 0, "{changing}");
    }
}

#[tokio::test]
async fn a_dry_run_shows_the_update_and_changes_nothing() {
    let server = scenario(vec![done()], live_definition()).await;
    let output = deploy_agent(&server).arg("--dry-run").run().await;
    output.status(0);
    let plan = output.json();
    check_schema(&plan);
    assert_eq!(plan["task_definitions"][0]["action"], "register");
    assert!(plan["task_definitions"][0]["diff"]
        .as_str()
        .unwrap()
        .contains(DIGEST));
    let update = &plan["daemons"][0]["update"];
    assert_eq!(update["daemonTaskDefinitionArn"], "agent (new revision)");
    assert_eq!(update["capacityProviderArns"], json!([ASG_A, ASG_B]));
    for changing in ["RegisterDaemonTaskDefinition", "UpdateDaemon"] {
        assert_eq!(count(&server, ECS, changing).await, 0, "{changing}");
    }
}

/// IAM GetRole of `role`: it exists and ECS tasks may assume it, or it does not exist.
async fn get_role(server: &MockServer, role: &str, exists: bool) {
    let answer = match exists {
        true => iam::role(role, iam::ECS_TRUST),
        false => iam::no_such_role(role),
    };
    Mock::given(method("POST"))
        .and(body_string_contains(format!("RoleName={role}")))
        .respond_with(answer)
        .mount(server)
        .await;
}

#[tokio::test]
async fn verify_checks_the_daemon_task_definition_and_a_failure_changes_nothing() {
    let server = scenario(vec![done()], live_definition()).await;
    // The pinned image is there (a single-platform manifest)...
    let manifest = json!({"schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1469,
            "digest": "sha256:3b25b682ea82b2db3cc4fd48db818be788ee3f902ac7378090cf2624ec2442df"},
        "layers": []});
    let image = ok(
        json!({"images": [{"registryId": "123456789012", "repositoryName": "app",
        "imageId": {"imageTag": "v2", "imageDigest": DIGEST}, "imageManifest": manifest.to_string(),
        "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json"}],
        "failures": []}),
    );
    mount(&server, ecr("BatchGetImage"), image).await;
    // ...and so is the task role, but the execution role is gone.
    get_role(&server, "agent-task", true).await;
    get_role(&server, "agent-exec", false).await;
    let output = deploy_agent(&server).arg("--verify").run().await;
    output
        .status(1)
        .stderr_has("daemon agent")
        .stderr_has("✓ image agent")
        .stderr_has("✓ role task arn:aws:iam::123456789012:role/agent-task")
        .stderr_has("✗ role execution arn:aws:iam::123456789012:role/agent-exec: does not exist")
        .stderr_has("nothing was changed");
    assert!(
        !output.stderr.contains("could not check"),
        "{}",
        output.stderr
    );
    for changing in ["RegisterDaemonTaskDefinition", "UpdateDaemon"] {
        assert_eq!(count(&server, ECS, changing).await, 0, "{changing}");
    }
}

#[tokio::test]
async fn prune_leaves_daemon_task_definitions_alone() {
    // A daemon task definition is not a task definition: ListTaskDefinitions would list the
    // wrong resource type (or a task-definition family that happens to share the name).
    let server = scenario(vec![done()], live_definition()).await;
    let plan = deploy_agent(&server)
        .args(["--prune", "3", "--dry-run"])
        .run()
        .await;
    let plan = plan.status(0).json();
    check_schema(&plan);
    assert!(plan.get("prune").is_none(), "{plan}");
    let output = deploy_agent(&server).args(["--prune", "3"]).run().await;
    output
        .status(0)
        .stderr_has("--prune: daemon task definitions are not pruned");
    assert!(output.json().get("prune").is_none());
    for untouched in ["ListTaskDefinitions", "DeregisterTaskDefinition"] {
        assert_eq!(count(&server, ECS, untouched).await, 0, "{untouched}");
    }
}

#[tokio::test]
async fn a_daemon_and_a_service_deploy_together() {
    let server = scenario(vec![draining(), done()], live_definition()).await;
    let web = json!({"taskDefinitionArn": OLD_TD, "family": "web", "revision": 7, "status": "ACTIVE",
        "containerDefinitions": [{"name": "app", "image": format!("{REPO}:v1"), "essential": true, "memory": 256}]});
    let definitions = move |request: &Request| {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        match body["taskDefinition"].as_str() {
            Some(OLD_TD) => ok(json!({"taskDefinition": web, "tags": []})),
            _ => aws_error(
                400,
                "ClientException",
                "Unable to describe task definition.",
            ),
        }
    };
    mount(&server, ecs("DescribeTaskDefinition"), definitions).await;
    mount(&server, ecs("RegisterTaskDefinition"), register_8()).await;
    let before = services(vec![settled("web", OLD_TD, "ecs-svc/old", vec![])]);
    let after = services(vec![settled("web", NEW_TD, "ecs-svc/new", vec![])]);
    mount(&server, ecs("DescribeServices"), sequence([before, after])).await;
    let rolling = deployment("ecs-svc/new", "PRIMARY", NEW_TD, 0, 2, "IN_PROGRESS");
    let updated = json!({"service": service("web", NEW_TD, vec![rolling], vec![])});
    mount(&server, ecs("UpdateService"), ok(updated)).await;
    let output = deploy_agent(&server)
        .args(["--service", "web", "--image", &format!("app={REPO}:v2")])
        .run()
        .await;
    output.status(0);
    let result = output.json();
    check_schema(&result);
    assert_eq!(result["services"][0]["service"], "web");
    assert_eq!(result["services"][0]["result"], "succeeded");
    assert_eq!(result["daemons"][0]["result"], "succeeded");
    assert_eq!(count(&server, ECS, "UpdateService").await, 1);
    assert_eq!(count(&server, ECS, "UpdateDaemon").await, 1);
    let registered = requests(&server, ECS, "RegisterTaskDefinition").await;
    assert_eq!(
        registered[0]["containerDefinitions"][0]["image"],
        format!("{REPO}@{DIGEST}")
    );
}
