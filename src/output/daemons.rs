//! `deploy --daemon`: what became of each daemon (`daemons` in the deploy result), and what a
//! dry run would send for it.

use serde::Serialize;

use crate::aws::DaemonUpdate;

/// One daemon's deployment.
#[derive(Serialize, Debug)]
pub struct DaemonResult {
    pub daemon: String,
    pub daemon_arn: String,
    /// `succeeded`, `started` (--no-wait), `failed`, `timed_out`, `cancelled`.
    pub result: String,
    pub reason: Option<String>,
    pub deployment_arn: String,
    /// As DescribeDaemonDeployments last said (`SUCCESSFUL`, `ROLLBACK_SUCCESSFUL`, …).
    pub deployment_status: Option<String>,
    pub daemon_task_definition: String,
    pub previous_daemon_task_definition: String,
    /// The new revision's instances, per capacity provider, at the last poll.
    pub capacity_providers: Vec<CapacityProviderInstances>,
    pub triggered_alarms: Vec<String>,
    pub circuit_breaker_failures: Option<i32>,
    pub rollback_reason: Option<String>,
}

#[derive(Serialize, Debug)]
pub struct CapacityProviderInstances {
    pub capacity_provider: String,
    pub running: i32,
    pub draining: i32,
    pub without_daemon: i32,
}

/// The UpdateDaemon request a dry run would send for one daemon, as AWS takes it.
#[derive(Serialize, Debug)]
pub struct PlannedDaemon {
    pub daemon: String,
    pub update: DaemonUpdate,
}
