//! `deploy --suspend-auto-scaling` and `--auto-scaling-min/max` against scripted ECS and
//! Application Auto Scaling answers (wiremock; shapes from the `application-autoscaling` model,
//! JSON 1.1, `AnyScaleFrontendService.*`), and end to end against moto: the scalable target is
//! suspended before the service is updated and restored to exactly the state found, however the
//! deploy ends; what auto scaling would undo is refused before anything changes.

use serde_json::{json, Value};
use wiremock::{MockServer, Respond, ResponseTemplate};

use crate::support::autoscaling::{scalable_target, suspended, targets};
use crate::support::aws::{
    autoscaling, aws_error, call_order, count, ecs, mount, ok, requests, sequence, AUTOSCALING, ECS,
};
use crate::support::ecs::{
    app_definition, definition_answer, deployment, in_prod, register_8, service, services, settled,
    CIRCUIT_BREAKER, NEW_TD, OLD_TD,
};
use crate::support::moto::Moto;
use crate::support::Test;

const RESOURCE_ID: &str = "service/prod/web";

/// The scalable target of `web`'s desired count, min 2, max 10.
fn target(state: Value) -> Value {
    scalable_target("web", 2, 10, state)
}

fn registered() -> ResponseTemplate {
    ok(json!({
        "ScalableTargetARN": "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/056f1f6a1f0b4a1d8b0c9e2a3d4e5f60"
    }))
}

/// What RegisterScalableTarget gets to change `web`'s target: `fields` besides its identity.
fn register_body(fields: Value) -> Value {
    let mut body = json!({
        "ServiceNamespace": "ecs",
        "ResourceId": RESOURCE_ID,
        "ScalableDimension": "ecs:service:DesiredCount",
    });
    for (key, value) in fields.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

fn suspend_all() -> Value {
    register_body(json!({ "SuspendedState": suspended(true, true, true) }))
}

/// UpdateService's answer: deployment ecs-svc/new of web:8 starts.
fn updated() -> ResponseTemplate {
    ok(json!({ "service": service("web", NEW_TD, vec![
        deployment("ecs-svc/new", "PRIMARY", NEW_TD, 0, 2, "IN_PROGRESS"),
        deployment("ecs-svc/old", "ACTIVE", OLD_TD, 2, 2, "COMPLETED"),
    ], vec![]) }))
}

fn rolling(new: Value) -> ResponseTemplate {
    services(vec![service(
        "web",
        NEW_TD,
        vec![
            new,
            deployment("ecs-svc/old", "ACTIVE", OLD_TD, 1, 2, "COMPLETED"),
        ],
        vec![],
    )])
}

fn half_rolled() -> ResponseTemplate {
    rolling(deployment(
        "ecs-svc/new",
        "PRIMARY",
        NEW_TD,
        1,
        2,
        "IN_PROGRESS",
    ))
}

fn circuit_breaker() -> ResponseTemplate {
    let mut failed = deployment("ecs-svc/new", "PRIMARY", NEW_TD, 0, 2, "FAILED");
    failed["rolloutStateReason"] = json!(CIRCUIT_BREAKER);
    rolling(failed)
}

fn completed() -> ResponseTemplate {
    services(vec![settled("web", NEW_TD, "ecs-svc/new", vec![])])
}

/// Cluster `prod`, service `web` steady on web:7 (image nginx:1), then the `polls`; a new
/// revision registers as web:8; auto scaling answers `describe` and `register`.
struct Scenario {
    polls: Vec<ResponseTemplate>,
    update_service: Box<dyn Respond>,
    describe: ResponseTemplate,
    register: Box<dyn Respond>,
}

impl Scenario {
    fn new(polls: Vec<ResponseTemplate>, state: Value) -> Self {
        Scenario {
            polls,
            update_service: Box::new(updated()),
            describe: targets(vec![target(state)]),
            register: Box::new(registered()),
        }
    }

    fn describe(mut self, answer: ResponseTemplate) -> Self {
        self.describe = answer;
        self
    }

    fn register(mut self, answer: impl Respond + 'static) -> Self {
        self.register = Box::new(answer);
        self
    }

    fn update_service(mut self, answer: impl Respond + 'static) -> Self {
        self.update_service = Box::new(answer);
        self
    }

    async fn start(self) -> MockServer {
        let server = MockServer::start().await;
        let steady = settled("web", OLD_TD, "ecs-svc/old", vec![]);
        let mut answers = vec![services(vec![steady])];
        answers.extend(self.polls);
        mount(&server, ecs("DescribeServices"), sequence(answers)).await;
        let definition = definition_answer(app_definition("web", 7, "nginx:1"));
        mount(&server, ecs("DescribeTaskDefinition"), definition).await;
        mount(&server, ecs("RegisterTaskDefinition"), register_8()).await;
        let update = self.update_service;
        mount(
            &server,
            ecs("UpdateService"),
            move |r: &wiremock::Request| update.respond(r),
        )
        .await;
        mount(
            &server,
            autoscaling("DescribeScalableTargets"),
            self.describe,
        )
        .await;
        let register = self.register;
        mount(
            &server,
            autoscaling("RegisterScalableTarget"),
            move |r: &wiremock::Request| register.respond(r),
        )
        .await;
        server
    }
}

fn deploy(server: &MockServer) -> Test {
    in_prod(server, "deploy", "web").args(["--image", "app=nginx:2", "--timeout", "20s"])
}

fn suspending(server: &MockServer) -> Test {
    deploy(server).args(["--suspend-auto-scaling", "--output", "json"])
}

async fn registrations(server: &MockServer) -> Vec<Value> {
    requests(server, AUTOSCALING, "RegisterScalableTarget").await
}

/// The one suspension and the one restore, in this order around the update.
async fn assert_suspended_then_restored(server: &MockServer, found: Value) {
    assert_eq!(
        registrations(server).await,
        [
            suspend_all(),
            register_body(json!({ "SuspendedState": found }))
        ]
    );
    let order = call_order(server).await;
    let position = |action: &str| order.iter().position(|a| a == action).unwrap();
    let suspended_at = position("RegisterScalableTarget");
    let restored_at = order
        .iter()
        .rposition(|a| a == "RegisterScalableTarget")
        .unwrap();
    assert!(
        suspended_at < position("UpdateService"),
        "suspended before the update: {order:?}"
    );
    let last_poll = order.iter().rposition(|a| a == "DescribeServices").unwrap();
    assert!(
        restored_at > last_poll,
        "restored after the wait: {order:?}"
    );
}

#[tokio::test]
async fn suspends_before_the_update_and_restores_after_success() {
    let server = Scenario::new(
        vec![half_rolled(), completed()],
        suspended(false, false, false),
    )
    .start()
    .await;
    let output = suspending(&server).run().await;
    let json = output.status(0).json();
    assert_suspended_then_restored(&server, suspended(false, false, false)).await;
    let scaling = &json["auto_scaling"][0];
    assert_eq!(scaling["service"], "web");
    assert_eq!(scaling["resource_id"], RESOURCE_ID);
    assert_eq!(scaling["suspension"], "restored");
    assert_eq!(
        (scaling["min"].clone(), scaling["max"].clone()),
        (json!(2), json!(10))
    );
    assert_eq!(
        scaling["found_suspended"],
        json!({"dynamic_scale_in": false, "dynamic_scale_out": false, "scheduled": false})
    );
    output
        .stderr_has("web: auto scaling suspended until the deploy ends")
        .stderr_has("web: auto scaling restored (nothing suspended)");
    let describe = &requests(&server, AUTOSCALING, "DescribeScalableTargets").await[0];
    assert_eq!(describe["ServiceNamespace"], "ecs");
    assert_eq!(describe["ScalableDimension"], "ecs:service:DesiredCount");
    assert_eq!(describe["ResourceIds"], json!([RESOURCE_ID]));
}

#[tokio::test]
async fn a_kind_of_scaling_already_suspended_stays_suspended() {
    let found = suspended(false, false, true);
    let server = Scenario::new(vec![completed()], found.clone())
        .start()
        .await;
    let output = suspending(&server).run().await;
    output.status(0);
    assert_suspended_then_restored(&server, found).await;
    output.stderr_has("found: scheduled scaling suspended");
}

#[tokio::test]
async fn a_target_fully_suspended_is_left_alone() {
    let server = Scenario::new(vec![completed()], suspended(true, true, true))
        .start()
        .await;
    let json = suspending(&server).run().await.status(0).json();
    assert!(registrations(&server).await.is_empty());
    assert_eq!(json["auto_scaling"][0]["suspension"], "already_suspended");
}

#[tokio::test]
async fn restores_after_a_failed_deployment_and_keeps_exit_3() {
    let server = Scenario::new(vec![circuit_breaker()], suspended(false, false, false))
        .start()
        .await;
    let json = suspending(&server).run().await.status(3).json();
    assert_suspended_then_restored(&server, suspended(false, false, false)).await;
    assert_eq!(json["auto_scaling"][0]["suspension"], "restored");
}

#[tokio::test]
async fn restores_after_the_rollback_of_a_failed_deployment() {
    let rollback = ok(json!({ "service": service("web", OLD_TD, vec![
        deployment("ecs-svc/back", "PRIMARY", OLD_TD, 0, 2, "IN_PROGRESS"),
        deployment("ecs-svc/new", "ACTIVE", NEW_TD, 0, 2, "FAILED")], vec![]) }));
    let back = services(vec![settled("web", OLD_TD, "ecs-svc/back", vec![])]);
    let server = Scenario::new(vec![circuit_breaker(), back], suspended(true, false, false))
        .update_service(sequence([updated(), rollback]))
        .start()
        .await;
    let json = suspending(&server)
        .arg("--rollback-on-failure")
        .run()
        .await
        .status(3)
        .json();
    assert_eq!(json["services"][0]["rollback_result"], "succeeded");
    assert_suspended_then_restored(&server, suspended(true, false, false)).await;
    let order = call_order(&server).await;
    let rolled_back_at = order.iter().rposition(|a| a == "UpdateService").unwrap();
    let restored_at = order
        .iter()
        .rposition(|a| a == "RegisterScalableTarget")
        .unwrap();
    assert!(
        rolled_back_at > 0 && restored_at > rolled_back_at,
        "{order:?}"
    );
}

#[tokio::test]
async fn restores_after_a_timeout_past_the_deadline_and_keeps_124() {
    let server = Scenario::new(vec![half_rolled()], suspended(false, false, false))
        .start()
        .await;
    let output = in_prod(&server, "deploy", "web")
        .args(["--image", "app=nginx:2", "--timeout", "2s"])
        .args(["--suspend-auto-scaling", "--output", "json"])
        .run()
        .await;
    let json = output.status(124).json();
    assert_eq!(json["result"], "timed_out");
    assert_eq!(json["auto_scaling"][0]["suspension"], "restored");
    assert_suspended_then_restored(&server, suspended(false, false, false)).await;
}

#[cfg(unix)]
#[tokio::test]
async fn restores_after_sigterm_before_exiting_143() {
    let server = Scenario::new(vec![half_rolled()], suspended(false, true, false))
        .start()
        .await;
    let mut child = suspending(&server).spawn();
    for _ in 0..200 {
        if count(&server, ECS, "DescribeServices").await >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(registrations(&server).await.len(), 1, "suspended, waiting");
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(143));
    assert_suspended_then_restored(&server, suspended(false, true, false)).await;
}

#[tokio::test]
async fn a_failed_restore_fails_a_successful_deploy_and_prints_the_command_that_restores() {
    let refused = aws_error(400, "ValidationException", "Concurrent modification");
    let server = Scenario::new(vec![completed()], suspended(false, false, true))
        .register(sequence([registered(), refused]))
        .start()
        .await;
    let output = suspending(&server).run().await;
    let json = output.status(1).json();
    let command = "aws application-autoscaling register-scalable-target --region us-east-1 \
        --service-namespace ecs --scalable-dimension ecs:service:DesiredCount \
        --resource-id service/prod/web --suspended-state \
        DynamicScalingInSuspended=false,DynamicScalingOutSuspended=false,ScheduledScalingSuspended=true";
    output
        .stderr_has(command)
        .stderr_has("could not restore auto scaling");
    let scaling = &json["auto_scaling"][0];
    assert_eq!(scaling["suspension"], "restore_failed");
    assert_eq!(scaling["restore_command"], command);
    assert!(json["reason"].as_str().unwrap().contains(command), "{json}");
}

#[tokio::test]
async fn a_failed_restore_after_a_failed_deployment_keeps_exit_3() {
    let refused = aws_error(400, "ValidationException", "Concurrent modification");
    let server = Scenario::new(vec![circuit_breaker()], suspended(false, false, false))
        .register(sequence([registered(), refused]))
        .start()
        .await;
    let output = suspending(&server).run().await;
    let json = output.status(3).json();
    output
        .stderr_has("register-scalable-target")
        .stderr_has("exit code stays 3");
    assert_eq!(json["auto_scaling"][0]["suspension"], "restore_failed");
}

#[tokio::test]
async fn a_service_without_a_scalable_target_gets_a_note() {
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .describe(targets(vec![]))
        .start()
        .await;
    let output = suspending(&server).run().await;
    let json = output.status(0).json();
    output.stderr_has("note: web has no scalable target (service/prod/web)");
    assert!(registrations(&server).await.is_empty());
    assert_eq!(json["auto_scaling"][0]["suspension"], "no_target");
    assert_eq!(json["auto_scaling"][0]["resource_id"], Value::Null);
}

#[tokio::test]
async fn bounds_are_set_before_the_update_together_with_the_suspension() {
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .start()
        .await;
    let output = suspending(&server)
        .args(["--auto-scaling-min", "3", "--auto-scaling-max", "12"])
        .args(["--desired-count", "12"])
        .run()
        .await;
    let json = output.status(0).json();
    let bodies = registrations(&server).await;
    assert_eq!(
        bodies[0],
        register_body(json!({
            "MinCapacity": 3, "MaxCapacity": 12,
            "SuspendedState": suspended(true, true, true),
        }))
    );
    // The restore puts back the suspended state only: the new bounds stay.
    assert_eq!(
        bodies[1],
        register_body(json!({ "SuspendedState": suspended(false, false, false) }))
    );
    let scaling = &json["auto_scaling"][0];
    assert_eq!(
        (scaling["min"].clone(), scaling["max"].clone()),
        (json!(3), json!(12))
    );
    assert_eq!(scaling["previous_min"], 2);
    assert_eq!(scaling["previous_max"], 10);
    assert_eq!(
        requests(&server, ECS, "UpdateService").await[0]["desiredCount"],
        12
    );
}

#[tokio::test]
async fn bounds_from_ecs_ship_toml_and_env_vars_without_suspending() {
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .start()
        .await;
    let output = deploy(&server)
        .file("ecs-ship.toml", "[deploy]\nauto-scaling-min = 4\n")
        .env("ECS_SHIP_AUTO_SCALING_MAX", "8")
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(
        registrations(&server).await,
        [register_body(json!({ "MinCapacity": 4, "MaxCapacity": 8 }))]
    );
    assert_eq!(json["auto_scaling"][0]["suspension"], "not_requested");
    output.stderr_has("web: auto scaling bounds set to min 4, max 8");
}

#[tokio::test]
async fn suspension_from_an_env_var() {
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .start()
        .await;
    deploy(&server)
        .env("ECS_SHIP_SUSPEND_AUTO_SCALING", "true")
        .run()
        .await
        .status(0);
    assert_eq!(registrations(&server).await.len(), 2);
}

/// Nothing changed: no revision, no update, no scalable target registered.
async fn assert_changed_nothing(server: &MockServer) {
    assert_eq!(count(server, ECS, "RegisterTaskDefinition").await, 0);
    assert_eq!(count(server, ECS, "UpdateService").await, 0);
    assert!(registrations(server).await.is_empty());
}

#[tokio::test]
async fn a_desired_count_outside_the_bounds_is_refused_before_anything_changes() {
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .start()
        .await;
    let output = deploy(&server).args(["--desired-count", "12"]).run().await;
    output
        .status(1)
        .stderr_has("--desired-count 12 is outside web's auto scaling bounds: min 2, max 10");
    assert_changed_nothing(&server).await;
    // Also with bounds of its own.
    let output = deploy(&server)
        .args(["--desired-count", "1", "--auto-scaling-max", "12"])
        .run()
        .await;
    output.status(1).stderr_has("min 2, max 12");
    assert_changed_nothing(&server).await;
}

#[tokio::test]
async fn a_desired_count_is_not_blocked_when_the_targets_cannot_be_read() {
    let denied = aws_error(400, "AccessDeniedException", "not authorized");
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .describe(denied)
        .start()
        .await;
    let output = deploy(&server).args(["--desired-count", "12"]).run().await;
    output
        .status(0)
        .stderr_has("--desired-count not checked against auto scaling bounds");
    assert_eq!(
        requests(&server, ECS, "UpdateService").await[0]["desiredCount"],
        12
    );
}

#[tokio::test]
async fn bounds_for_a_service_without_a_target_are_an_error_before_anything_changes() {
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .describe(targets(vec![]))
        .start()
        .await;
    let output = deploy(&server)
        .args(["--auto-scaling-min", "1"])
        .run()
        .await;
    output
        .status(1)
        .stderr_has("web has no scalable target (service/prod/web)");
    assert_changed_nothing(&server).await;
}

#[tokio::test]
async fn a_min_above_the_targets_max_is_an_error_before_anything_changes() {
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .start()
        .await;
    let output = deploy(&server)
        .args(["--auto-scaling-min", "11"])
        .run()
        .await;
    output.status(1).stderr_has("min 11 would be above max 10");
    assert_changed_nothing(&server).await;
}

#[tokio::test]
async fn conflicting_flags_are_usage_errors_before_any_aws_call() {
    // The default endpoint is a closed port: a call would fail with 1, not 2.
    let deploy = || Test::new().args(["deploy", "--cluster", "prod", "--service", "web"]);
    deploy()
        .args(["--auto-scaling-min", "5", "--auto-scaling-max", "3"])
        .run()
        .await
        .status(2)
        .stderr_has("--auto-scaling-min 5 is greater than --auto-scaling-max 3");
    deploy()
        .args(["--suspend-auto-scaling", "--no-wait"])
        .run()
        .await
        .status(2)
        .stderr_has("--suspend-auto-scaling")
        .stderr_has("--no-wait");
    deploy()
        .arg("--auto-scaling-max=-1")
        .run()
        .await
        .status(2)
        .stderr_has("--auto-scaling-max");
}

#[tokio::test]
async fn a_dry_run_says_what_would_be_suspended_and_changes_nothing() {
    let server = Scenario::new(vec![completed()], suspended(false, false, false))
        .start()
        .await;
    let output = deploy(&server)
        .args([
            "--suspend-auto-scaling",
            "--auto-scaling-max",
            "12",
            "--dry-run",
        ])
        .run()
        .await;
    output
        .status(0)
        .stdout_has("service web: would suspend auto scaling during the deploy (min 2, max 12)");
    assert_changed_nothing(&server).await;
    let json = deploy(&server)
        .args(["--suspend-auto-scaling", "--dry-run", "--output", "json"])
        .run()
        .await
        .status(0)
        .json();
    assert_eq!(json["auto_scaling"][0]["suspension"], "would_suspend");
}

#[tokio::test]
async fn moto_end_to_end_the_target_is_restored() {
    let moto = Moto::start();
    moto.ecs("CreateCluster", json!({ "clusterName": "prod" }))
        .await;
    moto.ecs(
        "RegisterTaskDefinition",
        json!({ "family": "web", "containerDefinitions": [
            { "name": "app", "image": "nginx:1", "essential": true, "memory": 256 }
        ] }),
    )
    .await;
    // No task to run: the deployment is done once ECS says so (moto starts none).
    moto.ecs(
        "CreateService",
        json!({ "cluster": "prod", "serviceName": "web", "taskDefinition": "web:1", "desiredCount": 0 }),
    )
    .await;
    moto.call(
        AUTOSCALING,
        "RegisterScalableTarget",
        register_body(json!({
            "MinCapacity": 0, "MaxCapacity": 4,
            "SuspendedState": suspended(false, false, true),
        })),
    )
    .await;
    let output = Test::new()
        .endpoint(&moto.url)
        .args(["deploy", "--cluster", "prod", "--service", "web"])
        .args(["--image", "app=nginx:2", "--suspend-auto-scaling"])
        .args([
            "--auto-scaling-max",
            "6",
            "--poll-interval",
            "100ms",
            "--timeout",
            "30s",
        ])
        .args(["--output", "json"])
        .run()
        .await;
    let json = output.status(0).json();
    assert_eq!(json["auto_scaling"][0]["suspension"], "restored");
    let described = moto
        .call(
            AUTOSCALING,
            "DescribeScalableTargets",
            json!({ "ServiceNamespace": "ecs", "ResourceIds": [RESOURCE_ID] }),
        )
        .await;
    let target = &described["ScalableTargets"][0];
    assert_eq!(target["SuspendedState"], suspended(false, false, true));
    assert_eq!(target["MaxCapacity"], 6);
    assert_eq!(target["MinCapacity"], 0);
}
