//! ecs-ship's own view of ECS: the parts of tasks, services and deployments it reads (and of
//! CodeDeploy deployments of ECS services), AWS statuses as enums, filled from the SDK's types
//! in `src/aws`. The judges and followers read only these.

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
    pub status: ServiceStatus,
    pub task_definition: String,
    pub desired_count: i64,
    pub running_count: i64,
    pub pending_count: i64,
    pub launch_type: Option<String>,
    pub platform_version: Option<String>,
    pub capacity_provider_strategy: Option<Value>,
    pub network_configuration: Option<Value>,
    pub deployments: Vec<Deployment>,
    pub events: Vec<ServiceEvent>,
    /// `None` when ECS did not say (then it is `ECS`).
    pub deployment_controller: Option<DeploymentController>,
    /// `deploymentConfiguration.strategy`; `None` when ECS did not say (then it is `ROLLING`).
    pub strategy: Option<Strategy>,
    /// The ARN of the service deployment ECS is running or ran last.
    pub current_service_deployment: Option<String>,
    /// (container name, container port) of each load balancer (target group) of the service.
    pub load_balancers: Vec<(String, i32)>,
    /// The port names the PRIMARY deployment's Service Connect configuration publishes.
    pub service_connect_ports: Vec<String>,
    /// CODE_DEPLOY and EXTERNAL services: the PRIMARY task set.
    pub primary_task_set: Option<TaskSet>,
    /// CODE_DEPLOY and EXTERNAL services: every task set (a deployment runs two or more).
    pub task_sets: Vec<TaskSetState>,
    /// `resourceManagementType: ECS`: an Express service, whose configuration ECS manages and
    /// which changes through UpdateExpressGatewayService only.
    pub express: bool,
}

impl ServiceDescription {
    /// The deployment controller as AWS spells it, `ECS` when ECS did not say.
    pub fn controller_name(&self) -> &str {
        self.deployment_controller
            .as_ref()
            .map_or("ECS", DeploymentController::as_str)
    }

    /// The strategy as AWS spells it, `ROLLING` when ECS did not say.
    pub fn strategy_name(&self) -> &str {
        self.strategy.as_ref().map_or("ROLLING", Strategy::as_str)
    }
}

/// A task set of a CODE_DEPLOY or EXTERNAL service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskSet {
    pub id: String,
    pub task_definition: String,
    pub launch_type: Option<String>,
    pub platform_version: Option<String>,
    pub capacity_provider_strategy: Option<Value>,
    pub network_configuration: Option<Value>,
    pub load_balancers: Vec<(String, i32)>,
}

/// Where a task set stands (`status` reads which task sets a deployment runs, and since when).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskSetState {
    pub id: String,
    /// `PRIMARY` serves production traffic; `ACTIVE` is the other one of a deployment.
    pub status: DeploymentStatus,
    /// For CodeDeploy, the id of the deployment that made it.
    pub external_id: Option<String>,
    pub task_definition: String,
    pub created_at: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deployment {
    pub id: String,
    pub status: DeploymentStatus,
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

/// One service deployment (DescribeServiceDeployments): what ECS-native blue/green, linear and
/// canary deployments — and rolling ones since 2024 — are followed by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceDeployment {
    pub arn: String,
    pub service_arn: String,
    pub status: ServiceDeploymentStatus,
    pub status_reason: Option<String>,
    /// `SCALE_UP`, `TEST_TRAFFIC_SHIFT`, `PRODUCTION_TRAFFIC_SHIFT`, `BAKE_TIME`, `CLEAN_UP`, …
    pub lifecycle_stage: Option<String>,
    pub strategy: Option<String>,
    pub bake_time_minutes: Option<i32>,
    pub created_at: Option<f64>,
    pub updated_at: Option<f64>,
    /// The service revision being deployed.
    pub target: Option<RevisionSummary>,
    pub sources: Vec<RevisionSummary>,
    pub hooks: Vec<LifecycleHook>,
    /// `rollback.reason`, when ECS rolled it back.
    pub rollback_reason: Option<String>,
    /// Circuit breaker: status (`MONITORING`, `TRIGGERED`, …), failed tasks and threshold.
    pub circuit_breaker: Option<(String, i32, i32)>,
    /// Alarms: status and the names of those that went off.
    pub alarms_status: Option<String>,
    pub triggered_alarms: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RevisionSummary {
    pub arn: String,
    pub requested: i32,
    pub running: i32,
    pub pending: i32,
    pub test_traffic_weight: Option<f64>,
    pub production_traffic_weight: Option<f64>,
}

/// A lifecycle hook of a service deployment as it runs (`lifecycleHookDetails`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifecycleHook {
    pub hook_id: String,
    /// `PAUSE` or `AWS_LAMBDA`.
    pub target_type: Option<String>,
    pub status: HookStatus,
    pub expires_at: Option<f64>,
    /// What ECS does when the hook expires: `CONTINUE` or `ROLLBACK`.
    pub timeout_action: Option<String>,
}

/// An AWS status as ecs-ship tells them apart: the values it acts on are variants, any other
/// (a newer API's) is kept as AWS spelled it, and `as_str` gives back AWS's spelling for output.
macro_rules! aws_status {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A status ecs-ship does not act on, as AWS spelled it (empty when AWS gave none).
            #[default]
            Unknown,
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Unknown => "",
                    $name::Other(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => $name::$variant,)*
                    "" => $name::Unknown,
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $name::from(text.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

aws_status! {
    /// A service's `deploymentController.type`.
    DeploymentController {
        Ecs = "ECS",
        CodeDeploy = "CODE_DEPLOY",
        /// Task sets driven by another tool.
        External = "EXTERNAL",
    }
}

aws_status! {
    /// A service's `deploymentConfiguration.strategy`.
    Strategy {
        Rolling = "ROLLING",
        BlueGreen = "BLUE_GREEN",
        Linear = "LINEAR",
        Canary = "CANARY",
    }
}

aws_status! {
    /// A service's `status` (DescribeServices).
    ServiceStatus {
        Active = "ACTIVE",
        /// Being deleted.
        Draining = "DRAINING",
        /// Deleted.
        Inactive = "INACTIVE",
    }
}

aws_status! {
    /// A lifecycle hook's `status` as a service deployment runs it.
    HookStatus {
        InProgress = "IN_PROGRESS",
        /// A PAUSE hook waiting for someone to continue or roll back.
        AwaitingAction = "AWAITING_ACTION",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        TimedOut = "TIMED_OUT",
    }
}

aws_status! {
    /// A DescribeServices deployment's `status`.
    DeploymentStatus {
        /// The newest deployment: the one the service is heading to.
        Primary = "PRIMARY",
        /// An older deployment still running tasks.
        Active = "ACTIVE",
        Inactive = "INACTIVE",
    }
}

aws_status! {
    /// A service deployment's `status` (DescribeServiceDeployments).
    ServiceDeploymentStatus {
        Pending = "PENDING",
        InProgress = "IN_PROGRESS",
        Successful = "SUCCESSFUL",
        Stopped = "STOPPED",
        StopRequested = "STOP_REQUESTED",
        RollbackRequested = "ROLLBACK_REQUESTED",
        RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackSuccessful = "ROLLBACK_SUCCESSFUL",
        RollbackFailed = "ROLLBACK_FAILED",
    }
}

impl ServiceDeploymentStatus {
    /// ECS is rolling it back, or has.
    pub fn is_rollback(&self) -> bool {
        matches!(
            self,
            Self::RollbackRequested
                | Self::RollbackInProgress
                | Self::RollbackSuccessful
                | Self::RollbackFailed
        )
    }

    /// Not ended yet: paused, going on, or rolling back.
    pub fn in_progress(&self) -> bool {
        matches!(
            self,
            Self::Pending | Self::InProgress | Self::RollbackRequested | Self::RollbackInProgress
        )
    }
}

// CodeDeploy deployments of ECS services (the CODE_DEPLOY controller).

/// ecs-ship's view of a CodeDeploy deployment (GetDeployment `deploymentInfo`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeDeployDeployment {
    pub id: String,
    pub status: CodeDeployStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The deployment CodeDeploy started to roll this one back.
    pub rollback_deployment_id: Option<String>,
    pub rollback_message: Option<String>,
    /// This deployment rolls back that one, which failed or was stopped.
    pub rollback_of: Option<String>,
}

aws_status! {
    /// A CodeDeploy deployment's `status` (GetDeployment).
    CodeDeployStatus {
        Created = "Created",
        Queued = "Queued",
        InProgress = "InProgress",
        Baking = "Baking",
        /// Replacement tasks run; waiting for someone to reroute production traffic.
        Ready = "Ready",
        Succeeded = "Succeeded",
        Failed = "Failed",
        Stopped = "Stopped",
    }
}

impl CodeDeployStatus {
    /// Ended without succeeding.
    pub fn failed(&self) -> bool {
        matches!(self, Self::Failed | Self::Stopped)
    }

    pub fn finished(&self) -> bool {
        self.failed() || *self == Self::Succeeded
    }
}

/// One lifecycle event of the ECS target (`BeforeInstall`, `AllowTestTraffic`, …).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifecycleEvent {
    pub name: String,
    /// `Pending`, `InProgress`, `Succeeded`, `Failed`, `Skipped`, `Unknown`.
    pub status: String,
    pub error_code: Option<String>,
    pub script_name: Option<String>,
    pub message: Option<String>,
    pub log_tail: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_statuses_become_variants_and_read_back_as_aws_spelled_them() {
        for text in ["PRIMARY", "ACTIVE", "INACTIVE"] {
            assert_eq!(DeploymentStatus::from(text).as_str(), text);
        }
        assert_eq!(DeploymentStatus::from("PRIMARY"), DeploymentStatus::Primary);
        assert!(ServiceDeploymentStatus::from("ROLLBACK_IN_PROGRESS").is_rollback());
        assert!(ServiceDeploymentStatus::from("ROLLBACK_REQUESTED").in_progress());
        assert!(!ServiceDeploymentStatus::from("ROLLBACK_SUCCESSFUL").in_progress());
        assert!(!ServiceDeploymentStatus::from("SUCCESSFUL").is_rollback());
        assert_eq!(
            HookStatus::from("AWAITING_ACTION"),
            HookStatus::AwaitingAction
        );
        // A status from a newer API is kept as it is, for output; none at all stays empty.
        let newer = ServiceDeploymentStatus::from("PAUSED_SOMEHOW");
        assert_eq!(
            newer,
            ServiceDeploymentStatus::Other("PAUSED_SOMEHOW".into())
        );
        assert_eq!(newer.to_string(), "PAUSED_SOMEHOW");
        assert!(!newer.in_progress() && !newer.is_rollback());
        assert_eq!(ServiceStatus::from(""), ServiceStatus::Unknown);
        assert_eq!(ServiceStatus::default().as_str(), "");
    }

    #[test]
    fn a_service_without_controller_or_strategy_is_an_ecs_rolling_one() {
        let mut service = ServiceDescription::default();
        assert_eq!(
            (service.controller_name(), service.strategy_name()),
            ("ECS", "ROLLING")
        );
        service.deployment_controller = Some("CODE_DEPLOY".into());
        service.strategy = Some("BLUE_GREEN".into());
        assert_eq!(
            service.deployment_controller,
            Some(DeploymentController::CodeDeploy)
        );
        assert_eq!(service.strategy, Some(Strategy::BlueGreen));
        assert_eq!(
            (service.controller_name(), service.strategy_name()),
            ("CODE_DEPLOY", "BLUE_GREEN")
        );
    }
}

/// One way into an Express service (`ingressPaths[]` of its configuration).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Endpoint {
    /// `PUBLIC` or `PRIVATE`.
    pub access_type: String,
    pub endpoint: String,
}

/// An Express service as DescribeExpressGatewayService shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpressService {
    pub service_arn: String,
    /// The active configuration (the newest one while a deployment runs), as ECS sent it:
    /// every field survives the write-back, known to this SDK version or not.
    pub configuration: serde_json::Map<String, Value>,
    pub endpoints: Vec<Endpoint>,
}
