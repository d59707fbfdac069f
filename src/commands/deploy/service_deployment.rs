//! Following an ECS-native deployment (BLUE_GREEN, LINEAR, CANARY) through the service
//! deployments API: find the service deployment UpdateService started, then judge each
//! DescribeServiceDeployments snapshot (`service_deployment_verdict`). Stage changes are printed
//! once; a PAUSE hook is announced with the exact command that continues it.

use std::time::{SystemTime, UNIX_EPOCH};

use super::waiter::Verdict;
use crate::aws::Aws;
use crate::cli::OnPause;
use crate::context::Context;
use crate::ecs::{arn_name, ServiceDeployment, ServiceDescription};
use crate::error::Result;
use crate::service_deployment_verdict::{self as verdict, Goal, Pause};

pub struct Native {
    pub arn: String,
    pub goal: Goal,
    pub on_pause: OnPause,
    pub last: Option<ServiceDeployment>,
    /// The command people run to continue (`ecs-ship continue --cluster … --service …`).
    pub continue_command: String,
    stage_line: String,
    announced: Vec<String>,
    /// Hooks just continued: ECS may still show them waiting for a poll or two.
    ignored: Vec<String>,
}

impl Native {
    pub fn new(arn: String, goal: Goal, on_pause: OnPause, continue_command: String) -> Self {
        Native {
            arn,
            goal,
            on_pause,
            last: None,
            continue_command,
            stage_line: String::new(),
            announced: vec![],
            ignored: vec![],
        }
    }

    pub fn ignore_hook(&mut self, hook_id: String) {
        self.ignored.push(hook_id);
    }

    /// One look: `Err(text)` while it goes on.
    pub fn step(
        &mut self,
        context: &Context,
        service: &ServiceDescription,
        snapshot: Option<&ServiceDeployment>,
    ) -> Result<Verdict, String> {
        let Some(deployment) = snapshot else {
            return Err(format!(
                "{}: waiting for service deployment {} to show up",
                service.service_name,
                arn_name(&self.arn)
            ));
        };
        self.last = Some(deployment.clone());
        let stage = format!(
            "{} {}",
            deployment.status,
            deployment.lifecycle_stage.as_deref().unwrap_or("")
        );
        if stage != self.stage_line {
            context.progress.say(format_args!(
                "{}: service deployment {} {}",
                service.service_name,
                arn_name(&self.arn),
                stage.trim()
            ));
            self.stage_line = stage;
        }
        let mut seen = deployment.clone();
        seen.hooks
            .retain(|h| !(h.status == "AWAITING_ACTION" && self.ignored.contains(&h.hook_id)));
        let judged = verdict::judge(
            &seen,
            service.current_service_deployment.as_deref(),
            self.goal,
            now(),
        );
        match judged {
            verdict::Verdict::InProgress(text) => Err(format!("{}: {text}", service.service_name)),
            verdict::Verdict::Completed => Ok(Verdict::Completed),
            verdict::Verdict::TrafficShifted(text) => Ok(Verdict::TrafficShifted(text)),
            verdict::Verdict::Failed(reason) => Ok(Verdict::Failed(reason)),
            verdict::Verdict::Superseded(by) => Ok(Verdict::Superseded(format!(
                "service deployment {} was superseded by a newer one, {by}; it did not finish",
                arn_name(&self.arn)
            ))),
            verdict::Verdict::Paused(pause) => {
                if !self.announced.contains(&pause.hook_id) {
                    self.announced.push(pause.hook_id.clone());
                    context.progress.say(format_args!(
                        "⏸ {}: {}",
                        service.service_name,
                        pause_text(&pause, &self.continue_command)
                    ));
                }
                match self.on_pause {
                    OnPause::Exit => Ok(Verdict::Paused(pause)),
                    OnPause::Wait => Err(format!(
                        "{}: paused at {} (hook {}), waiting for someone to continue",
                        service.service_name, pause.stage, pause.hook_id
                    )),
                }
            }
        }
    }
}

/// `paused at POST_TEST_TRAFFIC_SHIFT: hook h1 awaits an action (expires …, then ROLLBACK);
/// continue with `…`, roll back with `… --rollback``.
pub fn pause_text(pause: &Pause, command: &str) -> String {
    let hook = if pause.waiting.len() > 1 {
        format!(" --hook {}", pause.hook_id)
    } else {
        String::new()
    };
    let expiry = match (&pause.expires_at, &pause.timeout_action) {
        (Some(at), Some(action)) => format!(" (expires {}, then {action})", utc(*at)),
        (Some(at), None) => format!(" (expires {})", utc(*at)),
        (None, Some(action)) => format!(" (on timeout: {action})"),
        (None, None) => String::new(),
    };
    format!(
        "deployment paused at {}: hook {} awaits an action{expiry}; continue with `{command}{hook}`, roll back with `{command}{hook} --rollback`",
        pause.stage, pause.hook_id
    )
}

/// RFC 3339 UTC.
pub fn utc(seconds: f64) -> String {
    aws_smithy_types::DateTime::from_secs_f64(seconds)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| format!("{seconds}"))
}

pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// The service deployment an UpdateService started: the answer's `currentServiceDeployment`
/// when it changed, else the newest one ListServiceDeployments shows created since the request,
/// else whatever is current (nothing new was started).
pub async fn started_by_update(
    aws: &Aws,
    cluster: &str,
    before: &ServiceDescription,
    after: &ServiceDescription,
    requested_at: f64,
) -> Result<Option<String>> {
    if let Some(current) = &after.current_service_deployment {
        if before.current_service_deployment.as_ref() != Some(current) {
            return Ok(Some(current.clone()));
        }
    }
    let listed = aws
        .list_service_deployments(cluster, &before.service_name, Some(requested_at - 5.0))
        .await?;
    Ok(listed
        .into_iter()
        .next()
        .map(|d| d.arn)
        .or_else(|| after.current_service_deployment.clone()))
}

/// The service deployment in progress (paused, or already rolling back) on a service.
pub async fn in_progress(
    aws: &Aws,
    cluster: &str,
    service: &ServiceDescription,
) -> Result<Option<ServiceDeployment>> {
    let mut arns: Vec<String> = vec![];
    if let Some(current) = &service.current_service_deployment {
        arns.push(current.clone());
    }
    if arns.is_empty() {
        let listed = aws
            .list_service_deployments(cluster, &service.service_name, None)
            .await?;
        arns.extend(listed.into_iter().take(1).map(|d| d.arn));
    }
    if arns.is_empty() {
        return Ok(None);
    }
    let (deployments, _) = aws.describe_service_deployments(&arns).await?;
    Ok(deployments.into_iter().find(|d| {
        matches!(
            d.status.as_str(),
            "PENDING" | "IN_PROGRESS" | "ROLLBACK_REQUESTED" | "ROLLBACK_IN_PROGRESS"
        )
    }))
}
