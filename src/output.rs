//! The `--output json` documents: one type per command, serialized as they are. Their
//! published JSON Schemas are `docs/schema/<command>.v1.json`; the tests
//! validate real output against them, so a field added or renamed here that the schema does
//! not know fails a test. Changing a field's meaning or removing one is a new schema version.
//!
//! Request and task-definition bodies (`registration`, `run_task`, `updates`) stay the JSON
//! that AWS takes, not types of ours.

use serde::Serialize;
use serde_json::Value;

/// A document as the JSON value a [`crate::report::Report`] carries.
pub fn to_value(document: &impl Serialize) -> Value {
    serde_json::to_value(document).expect("output documents serialize")
}

/// Any command that failed before it had a result of its own (bad input, AWS refused).
#[derive(Serialize, Debug)]
pub struct ErrorResult {
    pub command: &'static str,
    /// Always `error`.
    pub result: &'static str,
    pub exit_code: i32,
    pub reason: String,
}

impl ErrorResult {
    pub fn new(command: &'static str, exit_code: i32, reason: String) -> Self {
        ErrorResult {
            command,
            result: "error",
            exit_code,
            reason,
        }
    }
}

/// `run-task`: the tasks it started and how each ended.
#[derive(Serialize, Debug)]
pub struct RunTaskResult {
    /// Always `run-task`.
    pub command: &'static str,
    /// `succeeded`, `failed`, `started` (--no-wait), `timed_out`, `cancelled`, `failed_to_start`.
    pub result: String,
    pub exit_code: i32,
    pub reason: Option<String>,
    pub cluster: String,
    pub region: String,
    pub task_definition: String,
    pub tasks: Vec<TaskResult>,
    pub duration_seconds: f64,
}

#[derive(Serialize, Debug)]
pub struct TaskResult {
    pub task_arn: String,
    pub last_status: String,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    pub containers: Vec<ContainerResult>,
    pub console_url: String,
}

#[derive(Serialize, Debug)]
pub struct ContainerResult {
    pub name: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

/// `run-task --dry-run`: the revision it would register and the RunTask request.
#[derive(Serialize, Debug)]
pub struct RunTaskDryRun {
    pub command: &'static str,
    /// Always `dry_run`.
    pub result: &'static str,
    pub exit_code: i32,
    pub dry_run: bool,
    /// The revision it would run, or `FAMILY (new revision)`.
    pub task_definition: Value,
    /// The RegisterTaskDefinition input, when a revision would be registered.
    pub registration: Option<Value>,
    pub diff: Option<String>,
    /// The RunTask request.
    pub run_task: Value,
}

/// `deploy`, `continue` and `rollback`: the deployment of each service.
#[derive(Serialize, Debug)]
pub struct DeployResult {
    /// `deploy`, `continue` or `rollback`.
    pub command: &'static str,
    /// `succeeded`, `started` (--no-wait), `paused` (at a lifecycle hook), `failed`,
    /// `timed_out`, `cancelled`, `error`.
    pub result: &'static str,
    pub exit_code: i32,
    pub reason: Option<String>,
    pub cluster: String,
    pub region: String,
    /// The revision deployed, or the list of them when services got different ones.
    pub task_definition: OneOrMany,
    pub pinned_images: Vec<PinnedImage>,
    pub services: Vec<ServiceResult>,
    pub api_calls: usize,
    pub duration_seconds: f64,
}

#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl From<Vec<String>> for OneOrMany {
    fn from(mut list: Vec<String>) -> Self {
        if list.len() == 1 {
            OneOrMany::One(list.remove(0))
        } else {
            OneOrMany::Many(list)
        }
    }
}

#[derive(Serialize, Debug)]
pub struct PinnedImage {
    pub container: String,
    pub from: String,
    pub to: String,
}

#[derive(Serialize, Debug)]
pub struct ServiceResult {
    pub service: String,
    pub cluster: String,
    pub deployment_id: String,
    pub rollout_state: Option<String>,
    pub result: String,
    pub reason: Option<String>,
    pub desired_count: i64,
    pub running_count: i64,
    pub task_definition: String,
    pub previous_task_definition: String,
    pub rolled_back_to: Option<String>,
    pub rollback_result: Option<String>,
    pub console_url: String,
    /// `ECS`, `CODE_DEPLOY` or `EXTERNAL`.
    pub deployment_controller: String,
    /// `ROLLING`, `BLUE_GREEN`, `LINEAR` or `CANARY`.
    pub strategy: String,
    pub service_deployment_arn: Option<String>,
    pub service_deployment_status: Option<String>,
    pub lifecycle_stage: Option<String>,
    /// Where the deployment waits for someone (`--on-pause exit`).
    pub paused: Option<Paused>,
    /// `--wait-until traffic-shifted`: what was left to ECS.
    pub not_waited_for: Option<String>,
    pub codedeploy: Option<CodeDeployResult>,
}

/// A deployment waiting at a PAUSE lifecycle hook, or a CodeDeploy deployment Ready.
#[derive(Serialize, Debug)]
pub struct Paused {
    pub stage: String,
    pub hook_id: String,
    /// RFC 3339.
    pub expires_at: Option<String>,
    /// `CONTINUE` or `ROLLBACK`, what ECS does at expiry.
    pub timeout_action: Option<String>,
    pub hooks_waiting: Vec<String>,
    pub continue_command: Option<String>,
}

/// The CodeDeploy deployment of a CODE_DEPLOY service.
#[derive(Serialize, Debug)]
pub struct CodeDeployResult {
    pub application: String,
    pub deployment_group: String,
    pub deployment_id: String,
    pub status: Option<String>,
    pub rollback_deployment_id: Option<String>,
}

/// How a service deploys, as `deploy --dry-run` found it.
#[derive(Serialize, Debug)]
pub struct DeployStrategy {
    pub service: String,
    pub deployment_controller: String,
    pub strategy: String,
}

/// `deploy --dry-run`: each task definition's fate and the UpdateService requests.
#[derive(Serialize, Debug)]
pub struct DeployDryRun {
    pub command: &'static str,
    /// Always `dry_run`.
    pub result: &'static str,
    pub exit_code: i32,
    pub dry_run: bool,
    pub cluster: String,
    pub task_definitions: Vec<PlannedRevision>,
    /// The UpdateService requests (CreateDeployment with its AppSpec for CODE_DEPLOY services),
    /// as AWS takes them.
    pub updates: Vec<Value>,
    pub strategies: Vec<DeployStrategy>,
    pub duration_seconds: f64,
}

#[derive(Serialize, Debug)]
pub struct PlannedRevision {
    /// The live task definition (or the file) it derives from.
    pub from: String,
    /// `unchanged`, `reuse` or `register`.
    pub action: &'static str,
    pub task_definition: Option<String>,
    /// The RegisterTaskDefinition input, secrets masked.
    pub registration: Value,
    pub diff: String,
}

/// `notify`, and the `notify` / `notify_start` members `--notify` / `--notify-start` add to
/// the other documents.
#[derive(Serialize, Debug)]
pub struct NotifyResult {
    /// Always `notify`.
    pub command: &'static str,
    /// `started`, `succeeded`, `failed` or `cancelled`.
    pub status: &'static str,
    #[serde(flatten)]
    pub delivery: Delivery,
}

/// How a Slack message went.
#[derive(Serialize, Debug)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Delivery {
    Posted {
        /// `webhook` or `chat.postMessage`.
        transport: &'static str,
        messages: Vec<PostedMessage>,
    },
    Skipped {
        reason: String,
    },
    Failed {
        reason: String,
    },
}

#[derive(Serialize, Debug)]
pub struct PostedMessage {
    pub channel: Option<String>,
    pub ts: Option<String>,
}

/// `ecr login`: the registry, and the docker-login credentials unless `--docker` used them.
#[derive(Serialize, Debug)]
pub struct EcrLoginResult {
    /// Always `ecr login`.
    pub command: &'static str,
    /// Always `succeeded`.
    pub result: &'static str,
    pub registry: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The docker-login password (as `aws ecr get-login-password` prints it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `ecr resolve`: the digest a tag points at now.
#[derive(Serialize, Debug)]
pub struct EcrResolveResult {
    /// Always `ecr resolve`.
    pub command: &'static str,
    /// Always `succeeded`.
    pub result: &'static str,
    pub image: String,
    pub repository: String,
    pub tag: String,
    pub digest: String,
    /// `REGISTRY/REPOSITORY@DIGEST`.
    pub pinned: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the schemas are published: `docs/schema/` in the repository.
    const SCHEMA_BASE: &str =
        "https://raw.githubusercontent.com/ecs-ship/ecs-ship/main/docs/schema/";

    /// `$id` of a command's schema: `…/run-task.v1.json`.
    fn schema_id(command: &str) -> String {
        format!("{SCHEMA_BASE}{}.v1.json", command.replace(' ', "-"))
    }

    #[test]
    fn schema_ids_are_versioned_per_command() {
        assert_eq!(
            schema_id("run-task"),
            "https://raw.githubusercontent.com/ecs-ship/ecs-ship/main/docs/schema/run-task.v1.json"
        );
        assert!(schema_id("ecr login").ends_with("/ecr-login.v1.json"));
    }

    #[test]
    fn every_command_with_a_result_document_has_its_published_schema() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for command in [
            "run-task",
            "deploy",
            "notify",
            "ecr login",
            "ecr resolve",
            "verify",
        ] {
            let path = root.join(format!("docs/schema/{}.v1.json", command.replace(' ', "-")));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let schema: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(schema["$id"], schema_id(command), "{}", path.display());
        }
    }

    #[test]
    fn delivery_is_tagged_by_result() {
        let notify = NotifyResult {
            command: "notify",
            status: "succeeded",
            delivery: Delivery::Skipped { reason: "x".into() },
        };
        assert_eq!(
            to_value(&notify),
            serde_json::json!({"command": "notify", "status": "succeeded", "result": "skipped", "reason": "x"})
        );
        let one: OneOrMany = vec!["a".to_string()].into();
        assert_eq!(to_value(&one), serde_json::json!("a"));
    }
}
