//! `status`: where each service stands (`docs/schema/status.v1.json`), and its human table.

use serde::Serialize;

use crate::aws::SuspendedState;

/// `status`: one entry per service, in the order named (or listed, with `--all`).
#[derive(Serialize, Debug)]
pub struct StatusResult {
    /// Always `status`.
    pub command: &'static str,
    /// Always `ok`: a service that could not be read is an error result instead.
    pub result: &'static str,
    pub exit_code: i32,
    pub reason: Option<String>,
    pub cluster: String,
    pub region: String,
    pub services: Vec<ServiceStatus>,
    pub api_calls: usize,
    pub duration_seconds: f64,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ServiceStatus {
    pub service: String,
    /// `ACTIVE` or `DRAINING`.
    pub status: String,
    /// `ECS`, `CODE_DEPLOY` or `EXTERNAL`.
    pub deployment_controller: String,
    /// `ROLLING`, `BLUE_GREEN`, `LINEAR` or `CANARY`.
    pub strategy: String,
    /// The revision the service runs (or is heading to): its ARN.
    pub task_definition: String,
    /// `family:revision`.
    pub revision: String,
    pub images: Vec<ContainerImage>,
    pub desired_count: i64,
    pub running_count: i64,
    pub pending_count: i64,
    /// The deployment in progress; `null` when the service is at rest.
    pub deployment: Option<DeploymentInProgress>,
    /// What waits for someone: PAUSE hooks, or a CodeDeploy deployment ready to reroute traffic.
    pub pending_actions: Vec<PendingAction>,
    pub auto_scaling: AutoScaling,
    /// The newest service events, newest first.
    pub events: Vec<EventLine>,
    pub console_url: String,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ContainerImage {
    pub container: String,
    pub image: String,
}

#[derive(Serialize, Debug, Clone, PartialEq, Default)]
pub struct DeploymentInProgress {
    /// The ECS deployment id (`ecs-svc/…`), or the CodeDeploy deployment id (`d-…`).
    pub id: String,
    /// The service deployment (ECS controller), when ECS has one.
    pub service_deployment_arn: Option<String>,
    /// The service deployment's status, else the ECS rollout state, else CodeDeploy's status.
    pub status: String,
    /// `SCALE_UP`, `TEST_TRAFFIC_SHIFT`, `PRODUCTION_TRAFFIC_SHIFT`, `BAKE_TIME`, …
    pub lifecycle_stage: Option<String>,
    /// Production traffic on the new revision, in percent, when ECS says.
    pub traffic_shifted_percent: Option<f64>,
    /// The revision being deployed.
    pub task_definition: String,
    /// When it started, UTC (RFC 3339).
    pub started_at: Option<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct PendingAction {
    /// The PAUSE hook waiting; `null` for a CodeDeploy deployment ready to reroute traffic.
    pub hook_id: Option<String>,
    /// Where it waits: the lifecycle stage, or `Ready` (CodeDeploy).
    pub stage: String,
    /// When ECS gives up waiting, UTC (RFC 3339), and what it then does (`CONTINUE`, `ROLLBACK`).
    pub expires_at: Option<String>,
    pub timeout_action: Option<String>,
    /// The command that resumes it.
    pub continue_command: String,
}

/// The service's Application Auto Scaling target (`ecs:service:DesiredCount`).
#[derive(Serialize, Debug, Clone, PartialEq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AutoScaling {
    /// No scalable target: the desired count is only what deploys set.
    None,
    Registered {
        min: u32,
        max: u32,
        suspended: SuspendedState,
    },
    /// It could not be read (the role may not call DescribeScalableTargets).
    Unknown { reason: String },
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct EventLine {
    /// UTC (RFC 3339).
    pub created_at: Option<String>,
    pub message: String,
}

impl ServiceStatus {
    /// A compact table: the service's heading line, then one row per fact.
    pub fn lines(&self) -> Vec<String> {
        let mut rows: Vec<(&str, String)> = vec![];
        let images: Vec<String> = self
            .images
            .iter()
            .map(|i| format!("{}={}", i.container, i.image))
            .collect();
        rows.push((
            "revision",
            format!("{}  {}", self.revision, images.join(" ")),
        ));
        rows.push((
            "tasks",
            format!(
                "desired {} · running {} · pending {}",
                self.desired_count, self.running_count, self.pending_count
            ),
        ));
        rows.push((
            "deployment",
            self.deployment
                .as_ref()
                .map_or_else(|| "none in progress".into(), DeploymentInProgress::line),
        ));
        for action in &self.pending_actions {
            rows.push(("waiting", action.line()));
        }
        rows.push(("scaling", self.auto_scaling.line()));
        for event in &self.events {
            let when = event.created_at.as_deref().unwrap_or("-");
            rows.push(("event", format!("{when}  {}", event.message)));
        }
        let mut lines = vec![format!(
            "{}  {} {}  {}",
            self.service, self.deployment_controller, self.strategy, self.status
        )];
        lines.extend(
            rows.iter()
                .map(|(key, value)| format!("  {key:<10}  {value}")),
        );
        lines
    }
}

impl DeploymentInProgress {
    fn line(&self) -> String {
        let mut parts = vec![self.id.clone(), self.status.clone()];
        if let Some(stage) = &self.lifecycle_stage {
            parts.push(format!("stage {stage}"));
        }
        if let Some(shifted) = self.traffic_shifted_percent {
            parts.push(format!("traffic {shifted}%"));
        }
        parts.push(format!("→ {}", crate::ecs::arn_name(&self.task_definition)));
        if let Some(started) = &self.started_at {
            parts.push(format!("since {started}"));
        }
        parts.join("  ")
    }
}

impl PendingAction {
    fn line(&self) -> String {
        let what = match &self.hook_id {
            Some(hook) => format!("hook {hook} at {}", self.stage),
            None => format!("{} to reroute production traffic", self.stage),
        };
        let expiry = match (&self.expires_at, &self.timeout_action) {
            (Some(at), Some(action)) => format!(" (until {at}, then {action})"),
            (Some(at), None) => format!(" (until {at})"),
            _ => String::new(),
        };
        format!("{what}{expiry}: {}", self.continue_command)
    }
}

impl AutoScaling {
    fn line(&self) -> String {
        match self {
            AutoScaling::None => "no scalable target".into(),
            AutoScaling::Unknown { reason } => format!("unknown ({reason})"),
            AutoScaling::Registered {
                min,
                max,
                suspended,
            } => {
                let names = [
                    (suspended.dynamic_scale_in, "dynamic scale-in"),
                    (suspended.dynamic_scale_out, "dynamic scale-out"),
                    (suspended.scheduled, "scheduled scaling"),
                ];
                let off: Vec<&str> = names.iter().filter(|(s, _)| *s).map(|(_, n)| *n).collect();
                let state = if off.is_empty() {
                    "nothing suspended".to_string()
                } else {
                    format!("suspended: {}", off.join(", "))
                };
                format!("min {min} · max {max} · {state}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_rest() -> ServiceStatus {
        ServiceStatus {
            service: "web".into(),
            status: "ACTIVE".into(),
            deployment_controller: "ECS".into(),
            strategy: "ROLLING".into(),
            task_definition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7".into(),
            revision: "web:7".into(),
            images: vec![ContainerImage {
                container: "app".into(),
                image: "app:v1".into(),
            }],
            desired_count: 2,
            running_count: 2,
            pending_count: 0,
            deployment: None,
            pending_actions: vec![],
            auto_scaling: AutoScaling::None,
            events: vec![EventLine {
                created_at: Some("2023-11-14T22:13:20Z".into()),
                message: "(service web) has reached a steady state.".into(),
            }],
            console_url: String::new(),
        }
    }

    #[test]
    fn a_service_at_rest_is_a_heading_and_aligned_rows() {
        assert_eq!(
            at_rest().lines(),
            [
                "web  ECS ROLLING  ACTIVE",
                "  revision    web:7  app=app:v1",
                "  tasks       desired 2 · running 2 · pending 0",
                "  deployment  none in progress",
                "  scaling     no scalable target",
                "  event       2023-11-14T22:13:20Z  (service web) has reached a steady state.",
            ]
        );
    }

    #[test]
    fn a_paused_deployment_shows_its_stage_traffic_and_the_continue_command() {
        let mut service = at_rest();
        service.deployment = Some(DeploymentInProgress {
            id: "ecs-svc/2".into(),
            status: "IN_PROGRESS".into(),
            lifecycle_stage: Some("POST_TEST_TRAFFIC_SHIFT".into()),
            traffic_shifted_percent: Some(0.0),
            task_definition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8".into(),
            started_at: Some("2023-11-14T22:15:00Z".into()),
            ..DeploymentInProgress::default()
        });
        service.pending_actions.push(PendingAction {
            hook_id: Some("hook-1".into()),
            stage: "POST_TEST_TRAFFIC_SHIFT".into(),
            expires_at: Some("2023-11-15T22:15:00Z".into()),
            timeout_action: Some("ROLLBACK".into()),
            continue_command: "ecs-ship continue --cluster prod --service web".into(),
        });
        service.auto_scaling = AutoScaling::Registered {
            min: 2,
            max: 10,
            suspended: SuspendedState {
                dynamic_scale_in: true,
                scheduled: true,
                ..SuspendedState::default()
            },
        };
        let lines = service.lines();
        assert_eq!(lines[3], "  deployment  ecs-svc/2  IN_PROGRESS  stage POST_TEST_TRAFFIC_SHIFT  traffic 0%  → web:8  since 2023-11-14T22:15:00Z");
        assert_eq!(lines[4], "  waiting     hook hook-1 at POST_TEST_TRAFFIC_SHIFT (until 2023-11-15T22:15:00Z, then ROLLBACK): ecs-ship continue --cluster prod --service web");
        assert_eq!(
            lines[5],
            "  scaling     min 2 · max 10 · suspended: dynamic scale-in, scheduled scaling"
        );
    }

    #[test]
    fn auto_scaling_that_cannot_be_read_says_why() {
        let unknown = AutoScaling::Unknown {
            reason: "access denied".into(),
        };
        assert_eq!(unknown.line(), "unknown (access denied)");
        assert_eq!(
            serde_json::to_value(&unknown).unwrap(),
            serde_json::json!({"state": "unknown", "reason": "access denied"})
        );
    }
}
