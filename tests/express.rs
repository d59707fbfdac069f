//! `deploy` and `rollback` of Express services (`resourceManagementType: ECS`), against scripted
//! ECS answers shaped as the botocore `ecs` model's DescribeExpressGatewayService /
//! UpdateExpressGatewayService and service deployments. moto implements no Express API.

use serde_json::{json, Value};
use wiremock::{MockServer, ResponseTemplate};

use crate::support::aws::{count, ecr, ecs, mount, ok, requests, sequence, ECR, ECS};
use crate::support::ecs::{
    app_v2_in_ecr, definition_answer, ecs_controlled, service_arn, service_deployment,
    service_deployments, services, ship, td, with, CLUSTER_ARN, DIGEST, NEW_REV, NEW_SD, NEW_TD,
    NOW, OLD_REV, OLD_SD, OLD_TD, REPO,
};

const EXECUTION_ROLE: &str = "arn:aws:iam::123456789012:role/web-execution";
const TASK_ROLE: &str = "arn:aws:iam::123456789012:role/web-task";
const ENDPOINT: &str = "https://we-0123456789abcdef.ecs.us-east-1.on.aws";

/// Express service `web` on `td` (CANARY, as ECS creates them), its current service
/// deployment `current`.
fn express_service(td: &str, current: &str) -> Value {
    with(
        ecs_controlled(td, "CANARY", current),
        json!({"resourceManagementType": "ECS"}),
    )
}

/// The primary container as read: every field the model has, and one newer than the SDK.
fn primary_container() -> Value {
    json!({
        "image": format!("{REPO}:v1"),
        "containerPort": 3000,
        "awsLogsConfiguration": {"logGroup": "/aws/ecs/default/web", "logStreamPrefix": "ecs"},
        "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:registry"},
        "command": ["bin/rails", "server"],
        "environment": [{"name": "RAILS_ENV", "value": "production"}, {"name": "KEEP_ME", "value": "1"}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/web/db"}],
        "readinessProbeAddedNextYear": {"path": "/ready"}
    })
}

/// The fields UpdateExpressGatewayService takes, as `web`'s configuration has them.
fn updatable() -> Value {
    json!({
        "executionRoleArn": EXECUTION_ROLE,
        "taskRoleArn": TASK_ROLE,
        "cpu": "1024",
        "memory": "2048",
        "cpuArchitecture": "ARM64",
        "healthCheckPath": "/up",
        "networkConfiguration": {"securityGroups": ["sg-0abc"], "subnets": ["subnet-1", "subnet-2"]},
        "scalingTarget": {"minTaskCount": 2, "maxTaskCount": 10,
            "autoScalingMetric": "REQUEST_COUNT_PER_TARGET", "autoScalingTargetValue": 500},
        "primaryContainer": primary_container(),
    })
}

/// An ExpressGatewayServiceConfiguration of revision `revision` on `td`.
fn configuration(revision: &str, td: &str, primary: Value) -> Value {
    with(
        updatable(),
        json!({
            "serviceRevisionArn": revision, "taskDefinitionArn": td, "primaryContainer": primary,
            "ingressPaths": [{"accessType": "PUBLIC", "endpoint": ENDPOINT}],
            "createdAt": NOW,
        }),
    )
}

/// DescribeExpressGatewayService of `web` on OLD_TD.
fn described() -> ResponseTemplate {
    ok(json!({"service": {
        "cluster": CLUSTER_ARN, "serviceName": "web", "serviceArn": service_arn("web"),
        "infrastructureRoleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForExpressServices",
        "status": {"statusCode": "ACTIVE"},
        "currentDeployment": OLD_REV,
        "activeConfigurations": [configuration(OLD_REV, OLD_TD, primary_container())],
        "createdAt": NOW - 3600.0, "updatedAt": NOW - 60.0,
    }}))
}

/// UpdateExpressGatewayService as ECS answers it: the configuration it rolls to, on NEW_TD.
fn updated() -> ResponseTemplate {
    let mut primary = primary_container();
    primary["image"] = json!(format!("{REPO}@{DIGEST}"));
    ok(json!({"service": {
        "serviceArn": service_arn("web"), "cluster": CLUSTER_ARN, "serviceName": "web",
        "status": {"statusCode": "ACTIVE"},
        "targetConfiguration": configuration(NEW_REV, NEW_TD, primary),
        "createdAt": NOW - 3600.0, "updatedAt": NOW,
    }}))
}

/// NEW_SD, a canary deployment, in `status` at `stage`.
fn canary(status: &str, stage: &str) -> Value {
    with(
        service_deployment(NEW_SD, status, stage, 100.0),
        json!({"deploymentConfiguration": {"strategy": "CANARY", "bakeTimeInMinutes": 5}}),
    )
}

/// Express service `web` on OLD_TD whose update starts NEW_SD, then answered by `polls`.
async fn express(polls: Vec<Value>) -> MockServer {
    let server = MockServer::start().await;
    let answers = [
        services(vec![express_service(OLD_TD, OLD_SD)]),
        services(vec![express_service(NEW_TD, NEW_SD)]),
    ];
    mount(&server, ecs("DescribeServices"), sequence(answers)).await;
    mount(&server, ecs("DescribeExpressGatewayService"), described()).await;
    mount(&server, ecs("UpdateExpressGatewayService"), updated()).await;
    mount(&server, ecr("DescribeImages"), app_v2_in_ecr()).await;
    let polls = polls.into_iter().map(|p| service_deployments(vec![p]));
    mount(&server, ecs("DescribeServiceDeployments"), sequence(polls)).await;
    let stopped = json!({"serviceDeploymentArn": NEW_SD});
    mount(&server, ecs("StopServiceDeployment"), ok(stopped)).await;
    server
}

fn succeeding() -> Vec<Value> {
    vec![
        canary("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"),
        canary("IN_PROGRESS", "BAKE_TIME"),
        canary("SUCCESSFUL", "CLEAN_UP"),
    ]
}

/// The one UpdateExpressGatewayService request sent, with nothing sent to UpdateService or
/// RegisterTaskDefinition.
async fn the_express_update(server: &MockServer) -> Value {
    assert_eq!(
        count(server, ECS, "UpdateService").await,
        0,
        "never UpdateService"
    );
    assert_eq!(count(server, ECS, "RegisterTaskDefinition").await, 0);
    let sent = requests(server, ECS, "UpdateExpressGatewayService").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    sent[0].clone()
}

#[tokio::test]
async fn an_express_image_update_is_pinned_sent_with_every_field_as_read_and_followed() {
    let server = express(succeeding()).await;
    let output = ship(&server, "deploy")
        .args(["--image", &format!("Main={REPO}:v2"), "--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    output
        .stderr_has("updating Express service web through UpdateExpressGatewayService")
        .stderr_has("web: Express service, CANARY deployment; following service deployment")
        .stderr_has("SUCCESSFUL CLEAN_UP")
        .stderr_has(&format!("web: endpoint {ENDPOINT} (PUBLIC)"));
    let mut primary = primary_container();
    primary["image"] = json!(format!("{REPO}@{DIGEST}"));
    let mut expected = with(updatable(), json!({"primaryContainer": primary}));
    expected["serviceArn"] = json!(service_arn("web"));
    assert_eq!(the_express_update(&server).await, expected);
    let described = requests(&server, ECS, "DescribeExpressGatewayService").await;
    assert_eq!(described, [json!({"serviceArn": service_arn("web")})]);
    assert_eq!(json["result"], "succeeded");
    let web = &json["services"][0];
    assert_eq!(
        web["endpoints"],
        json!([{"access_type": "PUBLIC", "endpoint": ENDPOINT}])
    );
    assert_eq!(web["service_deployment_arn"], NEW_SD);
    assert_eq!(web["task_definition"], NEW_TD);
    assert_eq!(web["previous_task_definition"], OLD_TD);
    assert_eq!(json["pinned_images"][0]["to"], format!("{REPO}@{DIGEST}"));
    assert_eq!(count(&server, ECR, "DescribeImages").await, 1);
}

#[tokio::test]
async fn a_failed_express_rollout_rolled_back_by_its_alarm_exits_3_with_the_reasons() {
    let mut rolled_back = canary("ROLLBACK_SUCCESSFUL", "CLEAN_UP");
    rolled_back["rollback"] = json!({"reason": "CloudWatch alarm web-5xx went into ALARM state.",
        "startedAt": NOW + 60.0, "serviceRevisionArn": OLD_REV});
    rolled_back["alarms"] = json!({"status": "TRIGGERED", "alarmNames": ["web-5xx"],
        "triggeredAlarmNames": ["web-5xx"]});
    let server = express(vec![canary("IN_PROGRESS", "BAKE_TIME"), rolled_back]).await;
    let task = "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef";
    mount(&server, ecs("ListTasks"), ok(json!({ "taskArns": [task] }))).await;
    let stopped = json!({ "tasks": [{
        "taskArn": task, "taskDefinitionArn": NEW_TD, "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED", "stopCode": "EssentialContainerExited",
        "stoppedReason": "Essential container in task exited", "createdAt": NOW + 5.0,
        "containers": [{"name": "Main", "lastStatus": "STOPPED", "exitCode": 1}]
    }], "failures": [] });
    mount(&server, ecs("DescribeTasks"), ok(stopped)).await;
    let output = ship(&server, "deploy")
        .args(["--image", &format!("Main={REPO}:v2"), "--output", "json"])
        .run()
        .await;
    let json = output.status(3).json();
    let reason = json["reason"].as_str().unwrap();
    assert!(
        reason.contains("CloudWatch alarm web-5xx went into ALARM state.")
            && reason.contains("Essential container in task exited"),
        "{reason}"
    );
    assert_eq!(json["services"][0]["result"], "failed");
    the_express_update(&server).await;
}

#[tokio::test]
async fn set_env_and_secret_change_only_the_primary_container_entries_they_name() {
    let server = express(succeeding()).await;
    ship(&server, "deploy")
        .args([
            "--set-env",
            "Main:RAILS_ENV=staging",
            "--set-env",
            "Main:FEATURE=on",
            "--secret",
            "Main:API_KEY=arn:aws:ssm:us-east-1:123456789012:parameter/web/api",
        ])
        .run()
        .await
        .status(0);
    let sent = the_express_update(&server).await;
    let container = &sent["primaryContainer"];
    assert_eq!(
        container["environment"],
        json!([{"name": "RAILS_ENV", "value": "staging"}, {"name": "KEEP_ME", "value": "1"},
               {"name": "FEATURE", "value": "on"}])
    );
    assert_eq!(
        container["secrets"],
        json!([{"name": "DATABASE_URL", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/web/db"},
               {"name": "API_KEY", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/web/api"}])
    );
    // Everything else as read: image, port, logs, credentials, command, the field newer than the
    // SDK; and the configuration around it.
    let mut untouched = container.clone();
    untouched["environment"] = primary_container()["environment"].clone();
    untouched["secrets"] = primary_container()["secrets"].clone();
    assert_eq!(untouched, primary_container());
    for field in [
        "executionRoleArn",
        "taskRoleArn",
        "cpu",
        "memory",
        "cpuArchitecture",
        "healthCheckPath",
        "networkConfiguration",
        "scalingTarget",
    ] {
        assert_eq!(sent[field], updatable()[field], "{field}");
    }
    assert_eq!(sent.as_object().unwrap().len(), 10, "{sent}");
}

#[tokio::test]
async fn task_definition_sends_its_arn_instead_of_the_primary_container() {
    let server = express(succeeding()).await;
    let given = json!({
        "taskDefinitionArn": td("web-own", 3), "family": "web-own", "revision": 3, "status": "ACTIVE",
        "containerDefinitions": [{"name": "Main", "image": "nginx:1", "essential": true,
            "portMappings": [{"containerPort": 80, "name": "http"}]}]
    });
    mount(
        &server,
        ecs("DescribeTaskDefinition"),
        definition_answer(given),
    )
    .await;
    ship(&server, "deploy")
        .args(["--task-definition", "web-own:3"])
        .run()
        .await
        .status(0);
    assert_eq!(
        the_express_update(&server).await,
        json!({
            "serviceArn": service_arn("web"),
            "healthCheckPath": "/up",
            "networkConfiguration": updatable()["networkConfiguration"],
            "scalingTarget": updatable()["scalingTarget"],
            "taskDefinitionArn": td("web-own", 3),
        })
    );
}

#[tokio::test]
async fn a_dry_run_shows_the_express_request_and_changes_nothing() {
    let server = express(succeeding()).await;
    let secret = "arn:aws:ssm:us-east-1:123456789012:parameter/web/api";
    let output = ship(&server, "deploy")
        .args(["--dry-run", "--image", &format!("Main={REPO}:v2")])
        .args(["--secret", &format!("Main:API_KEY={secret}")])
        .run()
        .await;
    output
        .status(0)
        .stdout_has("service web: deploys Express service, CANARY (changed through UpdateExpressGatewayService")
        .stdout_has("service web: would call UpdateExpressGatewayService {")
        .stdout_has(&format!("\"image\":\"{REPO}@{DIGEST}\""))
        .stdout_has("\"healthCheckPath\":\"/up\"");
    assert!(!output.all().contains(secret), "{}", output.all());
    for mutating in [
        "UpdateExpressGatewayService",
        "UpdateService",
        "RegisterTaskDefinition",
        "StopServiceDeployment",
    ] {
        assert_eq!(count(&server, ECS, mutating).await, 0, "{mutating}");
    }
    let json = ship(&server, "deploy")
        .args([
            "--dry-run",
            "--image",
            &format!("Main={REPO}:v2"),
            "--output",
            "json",
        ])
        .run()
        .await
        .json();
    assert_eq!(json["updates"][0]["serviceArn"], service_arn("web"));
    assert_eq!(json["strategies"][0]["strategy"], "CANARY");
}

#[tokio::test]
async fn a_flag_naming_another_container_of_an_express_service_is_an_error_before_any_change() {
    let server = express(succeeding()).await;
    let output = ship(&server, "deploy")
        .args(["--image", "app=nginx:2"])
        .run()
        .await;
    output.status(1).stderr_has("app").stderr_has("Main");
    assert_eq!(count(&server, ECS, "UpdateExpressGatewayService").await, 0);
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
}

#[tokio::test]
async fn rollback_of_an_express_rollout_in_progress_stops_it_with_rollback() {
    let server = MockServer::start().await;
    let rolling_out = services(vec![express_service(NEW_TD, NEW_SD)]);
    mount(&server, ecs("DescribeServices"), rolling_out).await;
    let polls = [
        canary("IN_PROGRESS", "BAKE_TIME"),
        canary("ROLLBACK_IN_PROGRESS", "BAKE_TIME"),
        canary("ROLLBACK_SUCCESSFUL", "CLEAN_UP"),
    ];
    let polls = polls.map(|p| service_deployments(vec![p]));
    mount(&server, ecs("DescribeServiceDeployments"), sequence(polls)).await;
    let stopped = json!({"serviceDeploymentArn": NEW_SD});
    mount(&server, ecs("StopServiceDeployment"), ok(stopped)).await;
    let output = ship(&server, "rollback")
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["result"], "succeeded");
    let sent = requests(&server, ECS, "StopServiceDeployment").await;
    assert_eq!(
        sent,
        [json!({"serviceDeploymentArn": NEW_SD, "stopType": "ROLLBACK"})]
    );
    assert_eq!(count(&server, ECS, "UpdateService").await, 0);
    assert_eq!(count(&server, ECS, "UpdateExpressGatewayService").await, 0);
}

#[tokio::test]
async fn rollback_of_a_settled_express_service_goes_back_through_update_express_gateway_service() {
    let server = MockServer::start().await;
    let answers = [
        services(vec![express_service(NEW_TD, OLD_SD)]),
        services(vec![express_service(OLD_TD, NEW_SD)]),
    ];
    mount(&server, ecs("DescribeServices"), sequence(answers)).await;
    // The last deployment, settled, came from OLD_REV (on OLD_TD); then the one the rollback
    // starts.
    let settled = service_deployment(OLD_SD, "SUCCESSFUL", "CLEAN_UP", 100.0);
    let polls = [
        service_deployments(vec![settled]),
        service_deployments(vec![canary("SUCCESSFUL", "CLEAN_UP")]),
    ];
    mount(&server, ecs("DescribeServiceDeployments"), sequence(polls)).await;
    let revision = json!({"serviceRevisions": [{"serviceRevisionArn": OLD_REV,
        "serviceArn": service_arn("web"), "clusterArn": CLUSTER_ARN, "taskDefinition": OLD_TD}],
        "failures": []});
    mount(&server, ecs("DescribeServiceRevisions"), ok(revision)).await;
    mount(&server, ecs("DescribeExpressGatewayService"), described()).await;
    mount(&server, ecs("UpdateExpressGatewayService"), updated()).await;
    let output = ship(&server, "rollback").run().await;
    output
        .status(0)
        .stderr_has("no deployment in progress; rolling back from web:8 to web:7");
    let sent = the_express_update(&server).await;
    assert_eq!(sent["taskDefinitionArn"], OLD_TD);
    assert_eq!(sent["scalingTarget"], updatable()["scalingTarget"]);
    assert!(sent.get("primaryContainer").is_none(), "{sent}");
}
