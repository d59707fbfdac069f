//! What `deploy --suspend-auto-scaling` / `--auto-scaling-min/max` did to each service's
//! scalable target, for every view of the deploy result.

use serde::Serialize;

use crate::aws::SuspendedState;

/// One service's scalable target around the deploy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoScalingResult {
    pub service: String,
    /// `service/CLUSTER/SERVICE`; null when the service has no scalable target.
    pub resource_id: Option<String>,
    /// The bounds during the deploy, after `--auto-scaling-min/max`.
    pub min: Option<u32>,
    pub max: Option<u32>,
    /// The bounds before, when `--auto-scaling-min/max` changed them (they stay changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_min: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_max: Option<u32>,
    /// What was suspended when the deploy found it: the state restored afterwards.
    pub found_suspended: Option<SuspendedState>,
    pub suspension: Suspension,
    /// Why the restore failed, and the AWS CLI command that restores the state found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_command: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suspension {
    /// No `--suspend-auto-scaling`: only the bounds were set.
    NotRequested,
    /// The service has no scalable target: nothing to suspend.
    NoTarget,
    /// A dry run: it would be suspended during the deploy.
    WouldSuspend,
    /// Everything was suspended already: left as it was.
    AlreadySuspended,
    /// Suspended during the deploy, then restored to the state found.
    Restored,
    /// Suspended during the deploy; restoring it failed (see `restore_command`).
    RestoreFailed,
}

impl AutoScalingResult {
    /// The line people read: `web: auto scaling suspended during the deploy, restored (min 2, max 10)`.
    pub fn line(&self) -> String {
        let bounds = match (self.min, self.max) {
            (Some(min), Some(max)) => format!(" (min {min}, max {max})"),
            _ => String::new(),
        };
        let what = match self.suspension {
            Suspension::NotRequested => "auto scaling not suspended",
            Suspension::NoTarget => "no scalable target; auto scaling left alone",
            Suspension::WouldSuspend => "would suspend auto scaling during the deploy",
            Suspension::AlreadySuspended => "auto scaling was already suspended; left as it was",
            Suspension::Restored => "auto scaling suspended during the deploy, then restored",
            Suspension::RestoreFailed => {
                "auto scaling suspended during the deploy; the restore FAILED"
            }
        };
        format!("{}: {what}{bounds}", self.service)
    }
}
