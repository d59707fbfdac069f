//! The typed result of every command: one type per command, which every view renders (see
//! `src/render/`). Serialized as they are, they are the `--output json` documents; their
//! published JSON Schemas are `docs/schema/<command>.v1.json`; the tests
//! validate real output against them, so a field added or renamed here that the schema does
//! not know fails a test. Changing a field's meaning or removing one is a new schema version.
//! Fields marked `serde(skip)` are for the human view only.
//!
//! Request and task-definition bodies (`registration`, `run_task`, the IAM policy) stay the
//! JSON that AWS takes, not types of ours.

use serde::Serialize;
use serde_json::Value;

use crate::aws::ServiceUpdate;
use crate::cli::{Command, EcrCommand};

mod auto_scaling;
mod daemons;
mod prune;
mod status;
mod verify;
mod wait;

pub use auto_scaling::{AutoScalingResult, Suspension};
pub use daemons::{CapacityProviderInstances, DaemonResult, PlannedDaemon};
pub use prune::{
    FamilyPrune, KeptBecause, PlannedPrune, PruneAction, PruneFailure, PruneResult, RevisionPrune,
    UseKind,
};
pub use status::{
    AutoScaling, ContainerImage, DeploymentInProgress, EventLine, PendingAction, ServiceStatus,
    StatusResult,
};
pub use verify::{Check, Checklist, Kind, State, VerifyResult};
pub use wait::{Followed, WaitResult};

/// What a command hands back: one variant per kind of result.
#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum CommandResult {
    RunTask(RunTaskResult),
    RunTaskDryRun(RunTaskDryRun),
    /// `deploy`, `continue` and `rollback`.
    Deploy(DeployResult),
    DeployDryRun(DeployDryRun),
    Notify(NotifyResult),
    EcrLogin(EcrLoginResult),
    EcrResolve(EcrResolveResult),
    /// `iam-policy`: the policy document as IAM takes it.
    IamPolicy(Value),
    Verify(VerifyResult),
    Status(StatusResult),
    Wait(WaitResult),
    Prune(PruneResult),
    /// A command that failed before it had a result of its own.
    Error(ErrorResult),
    /// `completions`: the script is the output; there is no result (JSON `null`).
    None,
}

impl CommandResult {
    /// The command's name as result documents spell it.
    pub fn command(&self) -> &'static str {
        match self {
            CommandResult::RunTask(_) | CommandResult::RunTaskDryRun(_) => "run-task",
            CommandResult::Deploy(r) => r.command,
            CommandResult::DeployDryRun(_) => "deploy",
            CommandResult::Notify(_) => "notify",
            CommandResult::EcrLogin(_) => "ecr login",
            CommandResult::EcrResolve(_) => "ecr resolve",
            CommandResult::IamPolicy(_) => "iam-policy",
            CommandResult::Verify(_) => "verify",
            CommandResult::Status(_) => "status",
            CommandResult::Wait(_) => "wait",
            CommandResult::Prune(_) => "prune",
            CommandResult::Error(r) => r.command,
            CommandResult::None => "completions",
        }
    }

    pub fn is_dry_run(&self) -> bool {
        matches!(
            self,
            CommandResult::RunTaskDryRun(_) | CommandResult::DeployDryRun(_)
        ) || matches!(self, CommandResult::Prune(prune) if prune.dry_run)
    }

    /// What deploy did (or, in a dry run, would do) to the services' scalable targets: known
    /// only once the deploy ended and the state found was restored.
    pub fn set_auto_scaling(&mut self, targets: Vec<AutoScalingResult>) {
        match self {
            CommandResult::Deploy(r) => r.auto_scaling = Some(targets),
            CommandResult::DeployDryRun(r) => r.auto_scaling = Some(targets),
            _ => {}
        }
    }

    /// A command that had succeeded fails after all (`--notify-strict`): its exit code and
    /// reason change; nothing else does.
    pub fn fail(&mut self, exit_code: i32, reason: String) {
        let (code, why) = match self {
            CommandResult::RunTask(r) => (&mut r.exit_code, &mut r.reason),
            CommandResult::Deploy(r) => (&mut r.exit_code, &mut r.reason),
            CommandResult::Wait(r) => (&mut r.exit_code, &mut r.reason),
            CommandResult::Prune(r) => (&mut r.exit_code, &mut r.reason),
            _ => return,
        };
        *code = exit_code;
        *why = Some(reason);
    }
}

/// The command's name in result documents: `run-task`, `ecr login`.
pub fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Ecr(EcrCommand::Login(_)) => "ecr login",
        Command::Ecr(EcrCommand::Resolve(_)) => "ecr resolve",
        Command::Verify(_) => "verify",
        other => other.config_section(),
    }
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
    /// The revision it derives from (its ARN).
    #[serde(skip)]
    pub from: String,
    /// The family a new revision would be registered in.
    #[serde(skip)]
    pub family: String,
    /// The revision it would run, or `FAMILY (new revision)`.
    pub task_definition: String,
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
    /// `--rule` / `--schedule`: each scheduled target and what became of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_targets: Option<Vec<ScheduledTarget>>,
    /// `--suspend-auto-scaling` / `--auto-scaling-min/max`: each service's scalable target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scaling: Option<Vec<AutoScalingResult>>,
    /// `--prune N`: what the prune after the deploy did (its failure is only a warning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prune: Option<PruneResult>,
    /// `--daemon`: each daemon's deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daemons: Option<Vec<DaemonResult>>,
}

/// What happened to one target of a rule or a schedule.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduledTarget {
    pub kind: ScheduleKind,
    /// `BUS/RULE` or `GROUP/SCHEDULE`.
    pub name: String,
    /// The rule target's Id (none for a schedule).
    pub target_id: Option<String>,
    pub previous_task_definition: String,
    /// The revision it moves to (`family (new revision)` in a dry run that would register one).
    pub task_definition: String,
    pub result: TargetResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A schedule's State, kept as it was (`ENABLED` / `DISABLED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl ScheduledTarget {
    /// `rule default/nightly target report-job` / `schedule batch/reports`.
    pub fn label(&self) -> String {
        let word = self.kind.word();
        match &self.target_id {
            Some(id) => format!("{word} {} target {id}", self.name),
            None => format!("{word} {}", self.name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    Rule,
    Schedule,
}

impl ScheduleKind {
    pub fn word(self) -> &'static str {
        match self {
            ScheduleKind::Rule => "rule",
            ScheduleKind::Schedule => "schedule",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetResult {
    Moved,
    /// Already on its revision.
    Unchanged,
    Failed,
    /// The deploy did not succeed.
    NotMoved,
    /// Dry run.
    WouldMove,
}

impl TargetResult {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetResult::Moved => "moved",
            TargetResult::Unchanged => "unchanged",
            TargetResult::Failed => "failed",
            TargetResult::NotMoved => "not_moved",
            TargetResult::WouldMove => "would_move",
        }
    }
}

#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
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

#[derive(Serialize, Debug, Clone)]
pub struct PinnedImage {
    pub container: String,
    pub from: String,
    pub to: String,
}

impl From<&crate::ecr::Pinned> for PinnedImage {
    fn from(pin: &crate::ecr::Pinned) -> Self {
        PinnedImage {
            container: pin.container.clone(),
            from: pin.from.clone(),
            to: pin.to.clone(),
        }
    }
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
    /// An Express service's endpoints (`ingressPaths`); absent for other services.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<crate::ecs::Endpoint>,
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
    /// How ecs-ship follows it, in words.
    #[serde(skip)]
    pub followed: String,
}

/// The request a dry run would make for a service, as AWS takes it.
#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum PlannedUpdate {
    UpdateService(ServiceUpdate),
    /// CreateDeployment, for a CODE_DEPLOY service.
    CodeDeploy(CodeDeployRequest),
    /// UpdateExpressGatewayService, for an Express service.
    Express(crate::aws::ExpressUpdate),
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CodeDeployRequest {
    pub application_name: String,
    pub deployment_group_name: String,
    pub deployment_config_name: Option<String>,
    pub app_spec_content: Value,
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
    /// as AWS takes them; one per service, in the order of `strategies`.
    pub updates: Vec<PlannedUpdate>,
    pub strategies: Vec<DeployStrategy>,
    pub duration_seconds: f64,
    /// `--rule` / `--schedule`: each scheduled target and the revision it would move to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_targets: Option<Vec<ScheduledTarget>>,
    /// `--suspend-auto-scaling` / `--auto-scaling-min/max`: what would be done to each service's
    /// scalable target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_scaling: Option<Vec<AutoScalingResult>>,
    /// `--daemon`: the UpdateDaemon request of each daemon (their revisions are in
    /// `task_definitions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daemons: Option<Vec<PlannedDaemon>>,
    /// `--prune N`: what would be pruned after the deploy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prune: Option<PlannedPrune>,
}

#[derive(Serialize, Debug)]
pub struct PlannedRevision {
    /// The live task definition (or the file) it derives from.
    pub from: String,
    /// `unchanged`, `reuse` or `register`.
    pub action: &'static str,
    pub task_definition: Option<String>,
    /// The family a new revision would be registered in.
    #[serde(skip)]
    pub family: String,
    /// Images pinned to their digest.
    #[serde(skip)]
    pub pinned: Vec<PinnedImage>,
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
#[derive(Serialize, Debug, Clone)]
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

#[derive(Serialize, Debug, Clone)]
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
            "wait",
            "prune",
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
            serde_json::to_value(&notify).unwrap(),
            serde_json::json!({"command": "notify", "status": "succeeded", "result": "skipped", "reason": "x"})
        );
        let one: OneOrMany = vec!["a".to_string()].into();
        assert_eq!(serde_json::to_value(&one).unwrap(), serde_json::json!("a"));
    }
}
