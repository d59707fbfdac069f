//! ECS daemons as ecs-ship holds them: what DescribeDaemon, DescribeDaemonRevisions and
//! DescribeDaemonDeployments say, converted once at the AWS boundary (`src/aws/daemons.rs`).
//! A daemon runs one task on every container instance of its capacity providers; its
//! deployments drain and replace instances, with their own circuit breaker, alarms and rollback.

use crate::ecs::arn_name;

/// One daemon, as DescribeDaemon shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Daemon {
    pub arn: String,
    /// `ACTIVE` or `DELETE_IN_PROGRESS`.
    pub status: String,
    /// The daemon revisions running now (more than one while a deployment goes on).
    pub current_revisions: Vec<CurrentRevision>,
    /// The daemon's last deployment.
    pub deployment_arn: Option<String>,
}

impl Daemon {
    /// The name people give: the end of its ARN.
    pub fn name(&self) -> &str {
        arn_name(&self.arn)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurrentRevision {
    pub arn: String,
    pub capacity_providers: Vec<String>,
}

/// A daemon revision: its daemon task definition and the settings UpdateDaemon keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaemonRevision {
    pub arn: String,
    pub daemon_task_definition_arn: String,
    /// `DAEMON` or `NONE`.
    pub propagate_tags: Option<String>,
    pub enable_ecs_managed_tags: Option<bool>,
    pub enable_execute_command: Option<bool>,
    pub critical: Option<bool>,
}

/// One DescribeDaemonDeployments snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaemonDeployment {
    pub arn: String,
    pub status: DaemonDeploymentStatus,
    pub status_reason: Option<String>,
    pub target: Option<InstanceCounts>,
    pub sources: Vec<InstanceCounts>,
    pub circuit_breaker: Option<CircuitBreaker>,
    pub alarms: Option<Alarms>,
    pub rollback: Option<DaemonRollback>,
}

/// A revision of a daemon deployment and its instances, per capacity provider.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstanceCounts {
    pub revision_arn: String,
    pub running: i32,
    pub draining: i32,
    pub without_daemon: i32,
    pub capacity_providers: Vec<CapacityProviderCounts>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CapacityProviderCounts {
    pub arn: String,
    pub running: i32,
    pub draining: i32,
    pub without_daemon: i32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CircuitBreaker {
    /// `DISABLED`, `MONITORING`, `MONITORING_COMPLETE` or `TRIGGERED`.
    pub status: String,
    pub failure_count: i32,
    pub threshold: i32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alarms {
    pub status: String,
    pub alarm_names: Vec<String>,
    pub triggered: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaemonRollback {
    pub reason: Option<String>,
    pub target_revision_arn: Option<String>,
}

/// A daemon deployment's `status`, so no code past the AWS boundary compares AWS strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DaemonDeploymentStatus {
    #[default]
    Pending,
    InProgress,
    Successful,
    StopRequested,
    Stopped,
    RollbackInProgress,
    RollbackSuccessful,
    RollbackFailed,
    /// A status newer than this version knows, spelled as AWS sent it.
    Other(String),
}

impl From<&str> for DaemonDeploymentStatus {
    fn from(status: &str) -> Self {
        match status {
            "PENDING" => Self::Pending,
            "IN_PROGRESS" => Self::InProgress,
            "SUCCESSFUL" => Self::Successful,
            "STOP_REQUESTED" => Self::StopRequested,
            "STOPPED" => Self::Stopped,
            "ROLLBACK_IN_PROGRESS" => Self::RollbackInProgress,
            "ROLLBACK_SUCCESSFUL" => Self::RollbackSuccessful,
            "ROLLBACK_FAILED" => Self::RollbackFailed,
            other => Self::Other(other.to_string()),
        }
    }
}

impl DaemonDeploymentStatus {
    /// As AWS spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "PENDING",
            Self::InProgress => "IN_PROGRESS",
            Self::Successful => "SUCCESSFUL",
            Self::StopRequested => "STOP_REQUESTED",
            Self::Stopped => "STOPPED",
            Self::RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            Self::RollbackSuccessful => "ROLLBACK_SUCCESSFUL",
            Self::RollbackFailed => "ROLLBACK_FAILED",
            Self::Other(other) => other,
        }
    }
}
