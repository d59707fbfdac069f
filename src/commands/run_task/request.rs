//! The RunTask request: the task definition and overrides, with launch settings from the flags
//! or else borrowed from the service; and starting it in batches.

use rand::Rng;
use serde_json::{json, Value};

use super::plan::Plan;
use crate::aws::{Aws, ErrorKind};
use crate::cli::RunTaskArgs;
use crate::context::Context;
use crate::ecs::{Failure, ServiceDescription, Task};
use crate::error::{Error, Result};
use crate::task_definition::TaskDefinition;

/// RunTask starts at most 10 tasks per call.
const RUN_TASK_BATCH: u32 = 10;

/// Everything RunTask needs but `count` and `clientToken`, which each batch sets.
pub(super) fn build(
    context: &Context,
    args: &RunTaskArgs,
    plan: &Plan,
    cluster: &str,
    definition: &TaskDefinition,
    service: Option<&ServiceDescription>,
    overrides: Value,
) -> Value {
    let mut request = json!({
        "cluster": cluster,
        "taskDefinition": definition.arn(),
        "startedBy": args.started_by,
    });
    if overrides.as_object().is_some_and(|o| !o.is_empty()) {
        request["overrides"] = overrides;
    }
    // Explicit flags first, then what the service uses, so users need not copy its settings.
    if let Some(launch_type) = &args.launch_type {
        request["launchType"] = json!(launch_type);
    } else if let Some(strategy) = &plan.capacity_provider_strategy {
        request["capacityProviderStrategy"] = strategy.clone();
    } else if let Some(strategy) = service
        .and_then(|s| s.capacity_provider_strategy.clone())
        .filter(|s| s.as_array().is_some_and(|a| !a.is_empty()))
    {
        request["capacityProviderStrategy"] = strategy;
    } else if let Some(launch_type) = service.and_then(|s| s.launch_type.clone()) {
        request["launchType"] = json!(launch_type);
    }
    if let Some(version) = args
        .platform_version
        .clone()
        .or_else(|| service.and_then(|s| s.platform_version.clone()))
    {
        request["platformVersion"] = json!(version);
    }
    let mut network = service
        .and_then(|s| s.network_configuration.clone())
        .unwrap_or_else(|| json!({}));
    let vpc = &mut network["awsvpcConfiguration"];
    if !args.subnets.is_empty() {
        vpc["subnets"] = json!(args.subnets);
    }
    if !args.security_groups.is_empty() {
        vpc["securityGroups"] = json!(args.security_groups);
    }
    if let Some(assign) = args.assign_public_ip {
        vpc["assignPublicIp"] = json!(assign.as_aws());
    }
    if vpc.is_null() {
        network
            .as_object_mut()
            .expect("object")
            .remove("awsvpcConfiguration");
    }
    if network.as_object().is_some_and(|n| !n.is_empty()) {
        request["networkConfiguration"] = network;
    }
    context.progress.debug(format_args!(
        "RunTask launch settings: {}",
        launch_summary(&request)
    ));
    request
}

fn launch_summary(request: &Value) -> String {
    let launch = request
        .get("launchType")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            request
                .get("capacityProviderStrategy")
                .map(|s| format!("capacity providers {s}"))
        })
        .unwrap_or_else(|| "cluster default capacity".into());
    let subnets = request["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
        .as_array()
        .map_or(0, Vec::len);
    format!("{launch}, {subnets} subnet(s)")
}

/// RunTask in batches of 10, each with its own client token so a retried request never starts
/// a second set of tasks.
pub(super) async fn start_tasks(
    aws: &Aws,
    mut request: Value,
    count: u32,
) -> Result<(Vec<Task>, Vec<Failure>)> {
    let mut tasks = vec![];
    let mut failures = vec![];
    let mut left = count;
    while left > 0 {
        let batch = left.min(RUN_TASK_BATCH);
        request["count"] = json!(batch);
        request["clientToken"] = json!(client_token());
        let (started, refused) = aws.run_task(&request).await.map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::input_with_hint(
                format!(
                    "cluster `{}` not found in {}",
                    request["cluster"].as_str().unwrap_or_default(),
                    aws.region()
                ),
                "check --cluster and --region",
            ),
            ErrorKind::Refused => Error::input_with_hint(
                format!("ECS refused to run the task: {}", e.message),
                "check the network and launch settings",
            ),
            _ => e.into(),
        })?;
        tasks.extend(started);
        failures.extend(refused);
        left -= batch;
    }
    Ok((tasks, failures))
}

fn client_token() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}
