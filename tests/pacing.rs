//! Pacing, retries and the `--timeout` bound, against scripted ECS answers: a throttled poll is
//! tried again at the next tick, a change is retried until it goes through, and nothing — a
//! throttled or hanging AWS, a hanging Slack — carries a command past its deadline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{aws_error, count, ecs, mount, requests, sequence, throttled, ECS};
use crate::support::ecs::register_as;
use crate::support::tasks::{cluster, described, migrate, no_log_stream, stopped, task, TASK};

/// ECS's answer while another pipeline registers a revision of the same family.
fn concurrent_revision() -> ResponseTemplate {
    aws_error(
        400,
        "ClientException",
        "Too many concurrent attempts to create a new revision of the specified family.",
    )
}

/// An answer that never comes (within any test's lifetime).
fn hanging() -> ResponseTemplate {
    ResponseTemplate::new(200).set_delay(Duration::from_secs(3600))
}

#[tokio::test]
async fn a_concurrent_revision_refusal_is_retried_and_registers_exactly_one_revision() {
    let server = cluster(described(stopped(Some(0), Some(0))), no_log_stream()).await;
    // Two refusals, then ECS registers the derived definition as revision 8.
    let register = register_as(|_| 8);
    let tries = AtomicUsize::new(0);
    let answer = move |request: &Request| {
        if tries.fetch_add(1, Ordering::SeqCst) < 2 {
            concurrent_revision()
        } else {
            register.respond(request)
        }
    };
    mount(&server, ecs("RegisterTaskDefinition"), answer).await;
    migrate(&server)
        .args(["--image", "hoge-stg=nginx:2"])
        .run()
        .await
        .status(0);
    let registrations = requests(&server, ECS, "RegisterTaskDefinition").await;
    assert_eq!(
        registrations.len(),
        3,
        "two refusals, then one registration"
    );
    assert!(registrations.iter().all(|r| r == &registrations[0]));
    let runs = requests(&server, ECS, "RunTask").await;
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0]["taskDefinition"],
        "arn:aws:ecs:us-east-1:123456789012:task-definition/hoge-service-stg:8"
    );
}

#[tokio::test]
async fn another_client_exception_of_register_is_not_retried() {
    let server = cluster(described(stopped(Some(0), Some(0))), no_log_stream()).await;
    let invalid = aws_error(400, "ClientException", "Invalid cpu value.");
    mount(&server, ecs("RegisterTaskDefinition"), invalid).await;
    migrate(&server)
        .args(["--image", "hoge-stg=nginx:2"])
        .run()
        .await
        .status(1)
        .stderr_has("Invalid cpu value");
    assert_eq!(count(&server, ECS, "RegisterTaskDefinition").await, 1);
    assert_eq!(count(&server, ECS, "RunTask").await, 0);
}

/// Every poll is throttled, for ever: the wait ends at --timeout with 124 and the task is stopped.
#[tokio::test]
async fn all_polls_throttled_end_at_the_timeout_and_stop_the_task() {
    let answers = [described(task("RUNNING", json!([]))), throttled()];
    let server = cluster(sequence(answers), no_log_stream()).await;
    let output = migrate(&server).args(["--timeout", "3s"]).run().await;
    output.status(124).stderr_has("timed out");
    let stops = requests(&server, ECS, "StopTask").await;
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0]["task"], TASK);
    // Throttled polls are left to the next tick, not retried into the empty bucket: at most
    // two tries per tick.
    let polls = count(&server, ECS, "DescribeTasks").await;
    assert!(polls >= 3, "{polls}");
}

/// An AWS that accepts the connection and never answers: the command still ends at --timeout.
#[tokio::test]
async fn a_hanging_aws_ends_at_the_timeout() {
    let answers = [described(task("RUNNING", json!([]))), hanging()];
    let server = cluster(sequence(answers), no_log_stream()).await;
    let output = migrate(&server).args(["--timeout", "2s"]).run().await;
    output.status(124).stderr_has("timed out");
    assert_eq!(count(&server, ECS, "StopTask").await, 1);
}

/// A Slack that never answers costs a bounded few seconds, and the run keeps its own result.
#[tokio::test]
async fn a_hanging_slack_with_notify_start_is_bounded_and_only_warned_about() {
    let server = cluster(described(stopped(Some(0), Some(0))), no_log_stream()).await;
    let slack = hanging_slack().await;
    migrate(&server)
        .env("SLACK_WEBHOOK_URL", format!("{}/hook", slack.uri()))
        .arg("--notify-start")
        .run()
        .await
        .status(0)
        .stderr_has("could not post to Slack")
        .stderr_has("no answer from Slack within 10s");
    assert_eq!(count(&server, ECS, "RunTask").await, 1);
}

/// The report after a timeout gets only the grace --timeout leaves, not a fresh 10 s of Slack.
#[tokio::test]
async fn a_hanging_slack_after_a_timeout_gets_only_what_the_timeout_leaves() {
    let answers = [described(task("RUNNING", json!([])))];
    let server = cluster(sequence(answers), no_log_stream()).await;
    let slack = hanging_slack().await;
    migrate(&server)
        .env("SLACK_WEBHOOK_URL", format!("{}/hook", slack.uri()))
        .args(["--timeout", "2s", "--notify"])
        .run()
        .await
        .status(124)
        .stderr_has("could not post to Slack")
        .stderr_has("(all that --timeout left)");
    assert_eq!(count(&server, ECS, "StopTask").await, 1);
}

/// A Slack that accepts the connection and never answers.
async fn hanging_slack() -> MockServer {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(hanging())
        .mount(&slack)
        .await;
    slack
}
