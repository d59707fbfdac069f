//! ecs-ship's own view of ECS: the parts of tasks, services and deployments it reads, filled
//! from the SDK's types in `aws::ecs`.

use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq)]
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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Container {
    pub name: String,
    pub last_status: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
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

#[derive(Debug, Clone, Default, PartialEq)]
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

#[derive(Debug, Clone, Default, PartialEq)]
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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceEvent {
    pub id: String,
    pub created_at: Option<f64>,
    pub message: String,
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
