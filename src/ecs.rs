//! The parts of ECS API shapes ecs-ship reads, and the calls it makes more than once.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::aws::{Aws, AwsError, Service};
use crate::error::Error;

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Task {
    pub task_arn: String,
    pub task_definition_arn: String,
    pub last_status: String,
    pub desired_status: String,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    pub containers: Vec<Container>,
    pub created_at: Option<f64>,
    pub started_at: Option<f64>,
    pub stopped_at: Option<f64>,
}

impl Task {
    /// The id part of the ARN, as log stream names and the console use it.
    pub fn id(&self) -> &str {
        arn_name(&self.task_arn)
    }

    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub name: String,
    pub last_status: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Failure {
    pub arn: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

impl Failure {
    pub fn describe(&self) -> String {
        let mut text = self
            .reason
            .clone()
            .unwrap_or_else(|| "unknown reason".into());
        if let Some(detail) = &self.detail {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(arn) = &self.arn {
            text.push_str(&format!(" for {arn}"));
        }
        text
    }
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceDescription {
    pub service_name: String,
    pub service_arn: String,
    pub status: String,
    pub task_definition: String,
    pub desired_count: i64,
    pub running_count: i64,
    pub launch_type: Option<String>,
    pub platform_version: Option<String>,
    pub capacity_provider_strategy: Option<Value>,
    pub network_configuration: Option<Value>,
    pub deployments: Vec<Deployment>,
    pub events: Vec<ServiceEvent>,
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Deployment {
    pub id: String,
    pub status: String,
    pub task_definition: String,
    pub desired_count: i64,
    pub running_count: i64,
    pub pending_count: i64,
    pub failed_tasks: i64,
    pub rollout_state: Option<String>,
    pub rollout_state_reason: Option<String>,
    pub created_at: Option<f64>,
    pub updated_at: Option<f64>,
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceEvent {
    pub id: String,
    pub created_at: Option<f64>,
    pub message: String,
}

pub fn parse<T: for<'de> Deserialize<'de>>(value: &Value, what: &str) -> Result<T, Error> {
    serde_json::from_value(value.clone())
        .map_err(|e| Error::Other(format!("unexpected {what} from AWS: {e}")))
}

pub async fn describe_tasks(
    aws: &Aws,
    cluster: &str,
    arns: &[String],
) -> Result<(Vec<Task>, Vec<Failure>), Error> {
    let mut tasks = vec![];
    let mut failures = vec![];
    // DescribeTasks takes at most 100 tasks per call.
    for chunk in arns.chunks(100) {
        let response = aws
            .call(
                Service::Ecs,
                "DescribeTasks",
                json!({ "cluster": cluster, "tasks": chunk }),
            )
            .await?;
        tasks.extend(parse::<Vec<Task>>(
            &response["tasks"],
            "DescribeTasks tasks",
        )?);
        failures.extend(
            parse::<Vec<Failure>>(&response["failures"], "DescribeTasks failures")
                .unwrap_or_default(),
        );
    }
    Ok((tasks, failures))
}

pub async fn stop_task(aws: &Aws, cluster: &str, arn: &str, reason: &str) -> Result<(), AwsError> {
    aws.call(
        Service::Ecs,
        "StopTask",
        json!({ "cluster": cluster, "task": arn, "reason": reason }),
    )
    .await
    .map(|_| ())
}

/// DescribeServices for up to 10 names per call; a name ECS does not know is an error naming it.
pub async fn describe_services(
    aws: &Aws,
    cluster: &str,
    names: &[String],
) -> Result<Vec<ServiceDescription>, Error> {
    let mut services = vec![];
    for chunk in names.chunks(10) {
        let response = aws
            .call(
                Service::Ecs,
                "DescribeServices",
                json!({ "cluster": cluster, "services": chunk }),
            )
            .await
            .map_err(|e| {
                if e.code == "ClusterNotFoundException" {
                    Error::input_with_hint(
                        format!("cluster `{cluster}` not found in {}", aws.region()),
                        "check --cluster and --region",
                    )
                } else {
                    e.into()
                }
            })?;
        let failures: Vec<Failure> =
            parse(&response["failures"], "DescribeServices failures").unwrap_or_default();
        if let Some(failure) = failures.first() {
            let name = failure.arn.as_deref().map(arn_name).unwrap_or("?");
            return Err(Error::input_with_hint(
                format!(
                    "service `{name}` not found in cluster `{cluster}` ({})",
                    failure.reason.as_deref().unwrap_or("MISSING")
                ),
                "check --service, --cluster and --region",
            ));
        }
        let found: Vec<ServiceDescription> =
            parse(&response["services"], "DescribeServices services")?;
        if let Some(inactive) = found.iter().find(|s| s.status == "INACTIVE") {
            return Err(Error::input(format!(
                "service `{}` in cluster `{cluster}` is INACTIVE (deleted)",
                inactive.service_name
            )));
        }
        services.extend(found);
    }
    Ok(services)
}

/// The last part of an ARN (`family:7` of a task definition, the id of a task, a cluster's
/// name); a plain name is returned as it is.
pub fn arn_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The AWS console page of a task or service, for people reading CI logs.
pub fn console_url(region: &str, cluster: &str, path: &str) -> String {
    let cluster = arn_name(cluster);
    format!(
        "https://{region}.console.aws.amazon.com/ecs/v2/clusters/{cluster}/{path}?region={region}"
    )
}
