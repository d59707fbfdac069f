//! Following an ECS-native deployment (BLUE_GREEN, LINEAR, CANARY) through the service
//! deployments API: find the service deployment UpdateService started, then judge each
//! DescribeServiceDeployments snapshot (`judge::service_deployment`). Stage changes are printed
//! once; a PAUSE hook is announced with the exact command that continues it. Rolled back by
//! StopServiceDeployment with rollback.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Facts, Follower, Goal, Later, Look, Pause, Rollback, Scope, Verdict, Watch};
use crate::aws::Aws;
use crate::cli::OnPause;
use crate::ecs::{arn_name, HookStatus, ServiceDeployment, ServiceDescription};
use crate::error::Result;
use crate::judge::service_deployment as judge;
use crate::poll::Step;

pub struct Native {
    arn: String,
    goal: Goal,
    on_pause: OnPause,
    last: Option<ServiceDeployment>,
    /// The command people run to continue (`ecs-ship continue --cluster … --service …`).
    continue_command: String,
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

    /// A hook just continued: ECS may still show it waiting for a poll or two.
    pub fn ignoring_hook(mut self, hook_id: String) -> Self {
        self.ignored.push(hook_id);
        self
    }

    /// One look at the snapshot, then why tasks of the new revision stopped when ECS gave up.
    async fn step(&mut self, scope: &Scope<'_>, look: Look<'_>) -> Step<Verdict> {
        let snapshot = look.service_deployments.iter().find(|d| d.arn == self.arn);
        match self.judge(scope, look.service, snapshot) {
            Step::Done(Verdict::Failed(reason)) => {
                let since = snapshot.and_then(|d| d.created_at);
                let stopped = scope
                    .stopped_tasks(look.service, look.task_definition, since)
                    .await
                    .unwrap_or_default();
                Step::Done(Verdict::Failed(crate::judge::rollout::with_stopped(
                    &reason, &stopped,
                )))
            }
            other => other,
        }
    }

    fn judge(
        &mut self,
        scope: &Scope<'_>,
        service: &ServiceDescription,
        snapshot: Option<&ServiceDeployment>,
    ) -> Step<Verdict> {
        let name = &service.service_name;
        let Some(deployment) = snapshot else {
            return Step::Pending(format!(
                "{name}: waiting for service deployment {} to show up",
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
            scope.progress.say(format_args!(
                "{name}: service deployment {} {}",
                arn_name(&self.arn),
                stage.trim()
            ));
            self.stage_line = stage;
        }
        let mut seen = deployment.clone();
        seen.hooks.retain(|h| {
            !(h.status == HookStatus::AwaitingAction && self.ignored.contains(&h.hook_id))
        });
        let current = service.current_service_deployment.as_deref();
        match judge::judge(&seen, current, self.goal, now()) {
            Step::Pending(text) => Step::Pending(format!("{name}: {text}")),
            Step::Done(Verdict::Superseded(by)) => Step::Done(Verdict::Superseded(format!(
                "service deployment {} was superseded by a newer one, {by}; it did not finish",
                arn_name(&self.arn)
            ))),
            Step::Done(Verdict::Paused(pause)) => {
                let first = !self.announced.contains(&pause.hook_id);
                if first {
                    self.announced.push(pause.hook_id.clone());
                }
                let waiting = format!("paused at {} (hook {})", pause.stage, pause.hook_id);
                let command = &self.continue_command;
                paused(scope, name, pause, first, command, self.on_pause, waiting)
            }
            done => done,
        }
    }

    async fn roll_back(&self, rollback: Rollback<'_>) -> Result<Option<Watch>> {
        let (scope, failed, previous) = (rollback.scope, rollback.failed, rollback.previous);
        let (name, arn) = (&failed.name, arn_name(&self.arn));
        let rolling_back = self.last.as_ref().is_some_and(|d| d.status.is_rollback());
        if rolling_back {
            scope.progress.say(format_args!(
                "{name}: ECS is already rolling back service deployment {arn}; waiting for it"
            ));
        } else {
            scope.progress.say(format_args!(
                "{name}: stopping service deployment {arn} with rollback"
            ));
            scope.aws.stop_service_deployment(&self.arn).await?;
        }
        let follower = Native::new(
            self.arn.clone(),
            Goal::RolledBack,
            OnPause::Wait,
            self.continue_command.clone(),
        );
        let id = failed.deployment_id.clone();
        Ok(Some(failed.successor(
            id,
            previous.to_string(),
            Box::new(follower),
        )))
    }
}

impl Follower for Native {
    fn step<'a>(&'a mut self, scope: &'a Scope<'a>, look: Look<'a>) -> Later<'a, Step<Verdict>> {
        Box::pin(async move { Ok(Native::step(self, scope, look).await) })
    }

    fn roll_back<'a>(&'a self, rollback: Rollback<'a>) -> Later<'a, Option<Watch>> {
        Box::pin(Native::roll_back(self, rollback))
    }

    fn followed(&self) -> &str {
        arn_name(&self.arn)
    }

    fn state(&self, _service: &ServiceDescription) -> String {
        self.last
            .as_ref()
            .map(|d| {
                let stage = d.lifecycle_stage.as_deref().unwrap_or_default();
                format!("{} {stage}", d.status)
            })
            .unwrap_or_default()
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            service_deployment_arn: Some(&self.arn),
            service_deployment: self.last.as_ref(),
            continue_command: Some(&self.continue_command),
            ..Facts::default()
        }
    }

    fn service_deployment_to_describe(&self) -> Option<&str> {
        Some(&self.arn)
    }
}

/// A deployment waiting for someone: announced the `first` time it is seen, with the
/// `command` that continues it; with `--on-pause exit` that is the verdict, with `wait` the
/// wait goes on (`waiting`: at what, for the status line).
pub fn paused(
    scope: &Scope<'_>,
    name: &str,
    pause: Pause,
    first: bool,
    command: &str,
    on_pause: OnPause,
    waiting: String,
) -> Step<Verdict> {
    if first {
        let text = pause_text(&pause, command);
        scope.progress.say(format_args!("⏸ {name}: {text}"));
    }
    match on_pause {
        OnPause::Exit => Step::Done(Verdict::Paused(pause)),
        OnPause::Wait => Step::Pending(format!(
            "{name}: {waiting}, waiting for someone to continue"
        )),
    }
}

/// `paused at POST_TEST_TRAFFIC_SHIFT: hook h1 awaits an action (expires …, then ROLLBACK);
/// continue with `…`, roll back with `… --rollback``.
fn pause_text(pause: &Pause, command: &str) -> String {
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
    let latest = latest(aws, cluster, service).await?;
    Ok(latest.filter(|d| d.status.in_progress()))
}

/// The service's current service deployment (else the newest listed), in progress or ended.
pub async fn latest(
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
    Ok(deployments.into_iter().next())
}
