//! wiremock helpers for AWS JSON-protocol APIs: match an action by its X-Amz-Target header,
//! answer with JSON or an AWS error, or with a scripted sequence. EventBridge Scheduler is a REST
//! API: its calls are matched by method and path (`get_schedule`, `update_schedule`).

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::Value;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, Request, Respond, ResponseTemplate};

pub const ECS: &str = "AmazonEC2ContainerServiceV20141113";
pub const LOGS: &str = "Logs_20140328";
pub const ECR: &str = "AmazonEC2ContainerRegistry_V20150921";
pub const CODEDEPLOY: &str = "CodeDeploy_20141006";
/// EventBridge (rules and their targets).
pub const EVENTS: &str = "AWSEvents";
/// Application Auto Scaling (JSON 1.1).
pub const AUTOSCALING: &str = "AnyScaleFrontendService";

pub fn ecs(action: &str) -> MockBuilder {
    target(ECS, action)
}

pub fn logs(action: &str) -> MockBuilder {
    target(LOGS, action)
}

pub fn ecr(action: &str) -> MockBuilder {
    target(ECR, action)
}

pub fn codedeploy(action: &str) -> MockBuilder {
    target(CODEDEPLOY, action)
}

pub fn events(action: &str) -> MockBuilder {
    target(EVENTS, action)
}

pub fn autoscaling(action: &str) -> MockBuilder {
    target(AUTOSCALING, action)
}

/// Scheduler's GetSchedule: `GET /schedules/{name}?groupName={group}`.
pub fn get_schedule(group: &str, name: &str) -> MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/schedules/{name}")))
        .and(query_param("groupName", group))
}

/// Scheduler's UpdateSchedule: `PUT /schedules/{name}` with the schedule as its JSON body.
pub fn update_schedule(name: &str) -> MockBuilder {
    Mock::given(method("PUT")).and(path(format!("/schedules/{name}")))
}

/// A REST-JSON (Scheduler) error: the code travels in `x-amzn-errortype`.
pub fn rest_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("x-amzn-errortype", code)
        .set_body_raw(
            serde_json::json!({ "Message": message }).to_string(),
            "application/json",
        )
}

/// The JSON bodies of the UpdateSchedule requests for schedule `name`, in order.
pub async fn schedule_updates(server: &MockServer, name: &str) -> Vec<Value> {
    let wanted = format!("/schedules/{name}");
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT" && r.url.path() == wanted)
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

/// Every AWS call the server received, in order, as `Action` (JSON protocols) or `METHOD
/// /path` (REST): for checks of what happened before what.
pub async fn call_order(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(
            |r| match r.headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
                Some(target) => target.rsplit('.').next().unwrap_or(target).to_string(),
                None => format!("{} {}", r.method, r.url.path()),
            },
        )
        .collect()
}

fn target(prefix: &str, action: &str) -> MockBuilder {
    Mock::given(method("POST")).and(header(
        "x-amz-target",
        format!("{prefix}.{action}").as_str(),
    ))
}

pub fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/x-amz-json-1.1")
}

pub fn aws_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    let body = serde_json::json!({ "__type": code, "message": message });
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/x-amz-json-1.1")
}

pub fn throttled() -> ResponseTemplate {
    aws_error(400, "ThrottlingException", "Rate exceeded")
}

/// Mounts one answer for one action: `mount(&server, ecs("RunTask"), ok(..)).await`.
pub async fn mount(server: &MockServer, action: MockBuilder, answer: impl Respond + 'static) {
    action.respond_with(answer).mount(server).await;
}

/// DescribeServices for a service the cluster does not have: ECS answers 200 with a MISSING
/// failure naming the service's ARN.
pub fn missing_service(cluster: &str, name: &str) -> ResponseTemplate {
    let arn = format!("arn:aws:ecs:us-east-1:123456789012:service/{cluster}/{name}");
    ok(serde_json::json!({ "services": [], "failures": [{ "arn": arn, "reason": "MISSING" }] }))
}

/// DescribeTaskDefinition for a family or revision ECS does not know.
pub fn unknown_task_definition() -> ResponseTemplate {
    aws_error(
        400,
        "ClientException",
        "Unable to describe task definition.",
    )
}

/// DescribeImages for a tag that ECR repository `repository` does not have.
pub fn missing_image_tag(repository: &str, tag: &str) -> ResponseTemplate {
    aws_error(
        400,
        "ImageNotFoundException",
        &format!(
            "The image with imageId {{imageTag:'{tag}'}} does not exist within the repository with name '{repository}'"
        ),
    )
}

/// Answers with each response in turn, then repeats the last one forever.
pub struct Sequence(Mutex<VecDeque<ResponseTemplate>>);

pub fn sequence(responses: impl IntoIterator<Item = ResponseTemplate>) -> Sequence {
    let queue: VecDeque<_> = responses.into_iter().collect();
    assert!(!queue.is_empty(), "a sequence needs at least one response");
    Sequence(Mutex::new(queue))
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut queue = self.0.lock().unwrap();
        if queue.len() > 1 {
            queue.pop_front().unwrap()
        } else {
            queue.front().unwrap().clone()
        }
    }
}

/// The JSON bodies of the requests the server received for one action, in order.
pub async fn requests(server: &MockServer, prefix: &str, action: &str) -> Vec<Value> {
    let target = format!("{prefix}.{action}");
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| {
            r.headers.get("x-amz-target").and_then(|v| v.to_str().ok()) == Some(target.as_str())
        })
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

/// How many requests the server received for one action.
pub async fn count(server: &MockServer, prefix: &str, action: &str) -> usize {
    requests(server, prefix, action).await.len()
}

/// A CloudWatch log stream for GetLogEvents, paged by `nextToken`: page `i` is served once it
/// has been asked for `visible_after` times, so a test can hold lines back until after the task
/// stops. Token `t{i}` means "from page i on".
pub struct LogPages {
    pages: Vec<(Vec<String>, usize)>,
    asked: Mutex<Vec<usize>>,
}

impl LogPages {
    /// `pages`: (lines, how many requests for that page come back empty first).
    pub fn new(pages: Vec<(Vec<&str>, usize)>) -> Self {
        let count = pages.len();
        LogPages {
            pages: pages
                .into_iter()
                .map(|(lines, after)| (lines.into_iter().map(str::to_string).collect(), after))
                .collect(),
            asked: Mutex::new(vec![0; count + 1]),
        }
    }
}

impl Respond for LogPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let index: usize = body["nextToken"]
            .as_str()
            .and_then(|t| t.strip_prefix('t'))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut asked = self.asked.lock().unwrap();
        asked[index.min(self.pages.len())] += 1;
        match self.pages.get(index) {
            Some((lines, after)) if asked[index] > *after => {
                let events: Vec<Value> = lines
                    .iter()
                    .enumerate()
                    .map(|(i, line)| serde_json::json!({ "timestamp": 1_700_000_000_000u64 + i as u64, "message": line }))
                    .collect();
                ok(
                    serde_json::json!({ "events": events, "nextForwardToken": format!("t{}", index + 1), "nextBackwardToken": "b" }),
                )
            }
            _ => ok(
                serde_json::json!({ "events": [], "nextForwardToken": format!("t{index}"), "nextBackwardToken": "b" }),
            ),
        }
    }
}
