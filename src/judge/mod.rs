//! The pure judges: each answers "is it done, failed, or still going?" from one AWS snapshot,
//! with no I/O, so every rule is a unit test. The followers (`crate::follow`) fetch the
//! snapshots and hand them here; `run-task` judges its tasks with `task`.

pub mod codedeploy;
pub mod current;
pub mod daemon;
pub mod rollout;
pub mod service_deployment;
pub mod task;

/// What the caller waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// The deployment succeeds: SUCCESSFUL, or with `traffic_shifted`, production traffic on it.
    Forward { traffic_shifted: bool },
    /// The deployment is rolled back (`continue --rollback`, `rollback`): ROLLBACK_SUCCESSFUL.
    RolledBack,
}

/// How a deployment ended (a judge answers `Step::Pending(text)` while it goes on), whichever
/// way it was followed: one type for every follower, the waiter and the results.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Completed,
    /// Production traffic is fully on the new revision; the text says what was not waited for.
    TrafficShifted(String),
    /// Waiting at a lifecycle hook for someone to continue or roll back.
    Paused(Pause),
    /// The reason, for people: rolled back (with ECS's reason and the alarms), stopped.
    Failed(String),
    /// A newer service deployment took over; the ARN of that one.
    Superseded(String),
}

/// A deployment waiting at a PAUSE hook.
#[derive(Debug, Clone, PartialEq)]
pub struct Pause {
    pub stage: String,
    pub hook_id: String,
    pub expires_at: Option<f64>,
    pub timeout_action: Option<String>,
    /// Every hook awaiting an action (more than one: `continue --hook ID` picks).
    pub waiting: Vec<String>,
}
