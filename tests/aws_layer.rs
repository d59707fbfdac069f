//! The AWS layer under real-world faults (wiremock): fields newer than the SDK survive,
//! connections reset mid-wait, eventual consistency, short-lived credentials, late log lines.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::aws::{ecs, logs, mount, ok, requests, sequence, ECS};
use crate::support::ecs::register_8;
use crate::support::proxy::FlakyProxy;
use crate::support::tasks::{
    cluster, described, migrate, no_log_stream, run_task, started, stopped, task, TASK, TD,
};

const FUTURE_FIELD: &str =
    r#""aFieldFromTheFuture":{"nested":[1,2.5,"three",null,true],"order":{"z":1,"a":2}}"#;
const FUTURE_CONTAINER_FIELD: &str =
    r#""containerFieldFromTheFuture":{"mode":"strict","levels":[3,1,2]}"#;

#[tokio::test]
async fn unknown_top_level_and_container_fields_survive_byte_for_byte() {
    let live = format!(
        r#"{{"taskDefinition":{{"taskDefinitionArn":"{TD}","family":"hoge-service-stg","revision":7,"status":"ACTIVE",{FUTURE_FIELD},"containerDefinitions":[{{"name":"hoge-stg","image":"docker.io/library/hoge:v1","essential":true,{FUTURE_CONTAINER_FIELD}}}]}},"tags":[]}}"#
    );
    let server = MockServer::start().await;
    let raw = ResponseTemplate::new(200).set_body_raw(live, "application/x-amz-json-1.1");
    mount(&server, ecs("DescribeTaskDefinition"), raw).await;
    mount(&server, ecs("RegisterTaskDefinition"), register_8()).await;
    mount(&server, ecs("RunTask"), started()).await;
    mount(
        &server,
        ecs("DescribeTasks"),
        described(stopped(Some(0), None)),
    )
    .await;
    mount(&server, logs("GetLogEvents"), no_log_stream()).await;
    let overrides = r#"{"containerOverrides":[{"name":"hoge-stg","command":["rake","db:migrate"]}],"overrideFromTheFuture":{"k":[1,2]}}"#;
    run_task(&server)
        .args(["--image", "hoge-stg=docker.io/library/hoge:v2"])
        .args(["--overrides", overrides, "--poll-interval", "100ms"])
        .run()
        .await
        .status(0);
    let received = server.received_requests().await.unwrap();
    let body_of = |action: &str| {
        let target = format!("AmazonEC2ContainerServiceV20141113.{action}");
        received
            .iter()
            .find(|r| {
                r.headers.get("x-amz-target").and_then(|v| v.to_str().ok()) == Some(target.as_str())
            })
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .unwrap_or_else(|| panic!("no {action} request"))
    };
    let registered = body_of("RegisterTaskDefinition");
    assert!(registered.contains(FUTURE_FIELD), "{registered}");
    assert!(registered.contains(FUTURE_CONTAINER_FIELD), "{registered}");
    assert!(
        registered.contains("docker.io/library/hoge:v2"),
        "{registered}"
    );
    let run = body_of("RunTask");
    assert!(
        run.contains(r#""overrideFromTheFuture":{"k":[1,2]}"#),
        "{run}"
    );
}

#[tokio::test]
async fn connection_resets_mid_wait_are_retried_and_never_end_the_wait() {
    let server = cluster(
        sequence([
            described(task("RUNNING", json!([]))),
            described(stopped(Some(0), Some(0))),
        ]),
        no_log_stream(),
    )
    .await;
    // Two attempts a call: six resets fail three polls in a row, which the wait survives.
    let proxy = FlakyProxy::start(&server.uri(), "DescribeTasks", 6).await;
    let output = migrate(&server)
        .endpoint(&proxy.url)
        .env("AWS_MAX_ATTEMPTS", "2")
        .run()
        .await;
    output
        .status(0)
        .stderr_has("cannot reach AWS")
        .stderr_has("will keep waiting")
        .stderr_has("succeeded");
    assert_eq!(proxy.resets(), 6);
}

#[tokio::test]
async fn describe_tasks_missing_right_after_run_task_means_not_yet() {
    let missing = ok(json!({ "tasks": [], "failures": [{ "arn": TASK, "reason": "MISSING" }] }));
    let server = cluster(
        sequence([
            missing.clone(),
            missing,
            described(task("RUNNING", json!([]))),
            described(stopped(Some(0), Some(0))),
        ]),
        no_log_stream(),
    )
    .await;
    migrate(&server)
        .run()
        .await
        .status(0)
        .stderr_has("succeeded");
    assert_eq!(requests(&server, ECS, "RunTask").await.len(), 1);
    assert_eq!(requests(&server, ECS, "DescribeTasks").await.len(), 4);
}

/// AssumeRoleWithWebIdentity: a new key each time, valid for `lifetime`.
struct ShortLivedSessions {
    issued: AtomicUsize,
    lifetime: Duration,
}

impl Respond for ShortLivedSessions {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.issued.fetch_add(1, Ordering::SeqCst);
        let expiration = aws_smithy_types::DateTime::from(SystemTime::now() + self.lifetime)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .unwrap();
        let body = format!(
            r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>repo:ecs-ship/app</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/deploy/ecs-ship</Arn>
      <AssumedRoleId>AROAEXAMPLE:ecs-ship</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>session-{n}</SessionToken>
      <SecretAccessKey>secret-{n}</SecretAccessKey>
      <Expiration>{expiration}</Expiration>
      <AccessKeyId>ASIASESSION{n:04}</AccessKeyId>
    </Credentials>
    <Audience>sts.amazonaws.com</Audience>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>sts-{n}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#
        );
        ResponseTemplate::new(200).set_body_raw(body, "text/xml")
    }
}

#[tokio::test]
async fn expired_credentials_are_renewed_mid_wait() {
    let running = described(task("RUNNING", json!([])));
    let server = cluster(
        sequence([
            running.clone(),
            running.clone(),
            running.clone(),
            running,
            described(stopped(Some(0), Some(0))),
        ]),
        no_log_stream(),
    )
    .await;
    // Sessions are renewed 60s (less up to 30s of jitter) before they expire: a 5s session is
    // due for renewal at every call, so each poll of the wait must bring a new one.
    Mock::given(method("POST"))
        .and(body_string_contains("Action=AssumeRoleWithWebIdentity"))
        .respond_with(ShortLivedSessions {
            issued: AtomicUsize::new(0),
            lifetime: Duration::from_secs(5),
        })
        .mount(&server)
        .await;
    run_task(&server)
        .args(["--poll-interval", "1s"])
        .args(["--role-arn", "arn:aws:iam::123456789012:role/deploy"])
        .oidc_only()
        .run()
        .await
        .status(0);
    let received = server.received_requests().await.unwrap();
    let keys: HashSet<String> = received
        .iter()
        .filter(|r| r.headers.contains_key("x-amz-target"))
        .filter_map(|r| {
            let auth = r.headers.get("authorization")?.to_str().ok()?;
            let credential = auth.split("Credential=").nth(1)?;
            Some(credential.split('/').next()?.to_string())
        })
        .collect();
    assert!(
        keys.len() >= 2,
        "every ECS call was signed with one session: {keys:?}"
    );
    assert!(
        keys.iter().all(|k| k.starts_with("ASIASESSION")),
        "{keys:?}"
    );
}

/// DescribeTasks: RUNNING, then STOPPED from the second poll on, noting when it first said so.
struct StopsOnSecondPoll {
    polls: AtomicUsize,
    stopped_at: Arc<Mutex<Option<Instant>>>,
}

impl Respond for StopsOnSecondPoll {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.polls.fetch_add(1, Ordering::SeqCst) == 0 {
            return described(task("RUNNING", json!([])));
        }
        self.stopped_at
            .lock()
            .unwrap()
            .get_or_insert_with(Instant::now);
        described(stopped(Some(1), Some(0)))
    }
}

/// A log stream whose last two lines reach CloudWatch `delay` after the task stopped.
struct LateLines {
    stopped_at: Arc<Mutex<Option<Instant>>>,
    delay: Duration,
}

impl Respond for LateLines {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let page = |lines: &[&str], next: &str| {
            let events: Vec<Value> = lines
                .iter()
                .map(|line| json!({ "timestamp": 1_700_000_000_000u64, "message": line, "ingestionTime": 1_700_000_000_100u64 }))
                .collect();
            ok(json!({ "events": events, "nextForwardToken": next, "nextBackwardToken": "b" }))
        };
        let ingested = self
            .stopped_at
            .lock()
            .unwrap()
            .is_some_and(|at| at.elapsed() >= self.delay);
        match body["nextToken"].as_str() {
            None => page(&["== migrating", "-- create_table(:orders)"], "f1"),
            Some("f1") if ingested => page(&["PG::DuplicateTable: ERROR", "rake aborted!"], "f2"),
            Some(token) => page(&[], token),
        }
    }
}

async fn late_log_cluster() -> MockServer {
    let stopped_at = Arc::new(Mutex::new(None));
    cluster(
        StopsOnSecondPoll {
            polls: AtomicUsize::new(0),
            stopped_at: stopped_at.clone(),
        },
        LateLines {
            stopped_at,
            delay: Duration::from_secs(2),
        },
    )
    .await
}

#[tokio::test]
async fn log_lines_ingested_two_seconds_after_stopped_are_printed_once_in_order() {
    let server = late_log_cluster().await;
    let output = migrate(&server).run().await;
    output.status(1);
    let lines = [
        "== migrating",
        "-- create_table(:orders)",
        "PG::DuplicateTable: ERROR",
        "rake aborted!",
    ];
    let positions: Vec<usize> = lines
        .iter()
        .map(|line| {
            assert_eq!(
                output.stderr.matches(line).count(),
                1,
                "{line:?} not printed exactly once:\n{}",
                output.stderr
            );
            output.stderr.find(line).unwrap()
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "out of order:\n{}",
        output.stderr
    );
}

#[tokio::test]
async fn log_settle_zero_reads_once_after_the_stop() {
    let server = late_log_cluster().await;
    let output = migrate(&server).args(["--log-settle", "0"]).run().await;
    output
        .status(1)
        .stderr_has("-- create_table(:orders)")
        .stderr_lacks("rake aborted!");
}

#[tokio::test]
async fn aws_errors_name_operation_code_message_and_request_id() {
    let server = MockServer::start().await;
    let denied = ResponseTemplate::new(400)
        .insert_header("x-amzn-RequestId", "8f2e61a4-0c3b-4d1e-9c52-2a1f0e6b7d10")
        .set_body_raw(
            json!({
                "__type": "AccessDeniedException",
                "message": "User: arn:aws:sts::123456789012:assumed-role/ci/build is not authorized to perform: ecs:DescribeTaskDefinition"
            })
            .to_string(),
            "application/x-amz-json-1.1",
        );
    mount(&server, ecs("DescribeTaskDefinition"), denied).await;
    migrate(&server)
        .run()
        .await
        .status(1)
        .stderr_has("ecs DescribeTaskDefinition: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ci/build is not authorized")
        .stderr_has("(request id 8f2e61a4-0c3b-4d1e-9c52-2a1f0e6b7d10)")
        .stderr_has("ecs-ship iam-policy");
}
