//! What deploy knows at the end, and the report made of it: stdout, JSON, notifications.

use std::time::Instant;

use super::plan::Revision;
use super::EVENTS_KEPT;
use crate::aws::Aws;
use crate::context::Context;
use crate::ecr::Pinned;
use crate::ecs::{self, arn_name};
use crate::error::{Error, Result, Signal};
use crate::follow::{self, Rollback, Verdict, WaitEnd, Waiter, Watch};
use crate::output::{
    CodeDeployResult, CommandResult, DeployResult, Paused, PinnedImage, ScheduledTarget,
    ServiceResult,
};
use crate::report::Report;

/// How one service's deployment (or its rollback) came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Started,
    Succeeded,
    Paused,
    Failed,
    Superseded,
    TimedOut,
    Cancelled,
}

impl Status {
    /// As `--output json` and notifications spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Started => "started",
            Status::Succeeded => "succeeded",
            Status::Paused => "paused",
            Status::Failed => "failed",
            Status::Superseded => "superseded",
            Status::TimedOut => "timed_out",
            Status::Cancelled => "cancelled",
        }
    }
}

/// A service's result and its reason, from how its wait ended.
pub fn result_of(verdict: Option<&Verdict>, end: &WaitEnd) -> (Status, Option<String>) {
    match (verdict, end) {
        (Some(Verdict::Completed | Verdict::TrafficShifted(_)), _) => (Status::Succeeded, None),
        (Some(Verdict::Paused(pause)), _) => (
            Status::Paused,
            Some(format!(
                "paused at {} (hook {})",
                pause.stage, pause.hook_id
            )),
        ),
        (Some(Verdict::Failed(reason)), _) => (Status::Failed, Some(reason.clone())),
        (Some(Verdict::Superseded(reason)), _) => (Status::Superseded, Some(reason.clone())),
        (None, WaitEnd::Cancelled(signal)) => (
            Status::Cancelled,
            Some(format!("interrupted by {}", signal.name())),
        ),
        (None, _) => (Status::TimedOut, None),
    }
}

/// What deploy knows at the end, for stdout, JSON and notifications.
pub struct Tally<'a> {
    /// `deploy`, `continue` or `rollback`.
    pub command: &'static str,
    pub context: &'a Context,
    pub aws: &'a Aws,
    pub cluster: &'a str,
    pub started: Instant,
    pub revisions: &'a [Revision],
    /// The task definition each service ran before this deploy.
    pub previous: Vec<String>,
    pub events: Vec<String>,
    /// (result, reason) per service.
    pub results: Vec<Option<(Status, Option<String>)>>,
    /// (rolled back to, result, reason) per service.
    pub rollbacks: Vec<Option<(String, Status, Option<String>)>>,
    /// The rule targets and schedules this deploy moved (or left), when any were named.
    pub scheduled: Option<Vec<ScheduledTarget>>,
    /// Images pinned in Express services' primary containers (not in any revision).
    pub express_pins: Vec<Pinned>,
}

impl<'a> Tally<'a> {
    /// Nothing known yet of the services that ran `previous` before.
    pub fn new(
        command: &'static str,
        context: &'a Context,
        aws: &'a Aws,
        cluster: &'a str,
        started: Instant,
        revisions: &'a [Revision],
        previous: Vec<String>,
    ) -> Self {
        let count = previous.len();
        Tally {
            command,
            context,
            aws,
            cluster,
            started,
            revisions,
            previous,
            events: vec![],
            results: vec![None; count],
            rollbacks: vec![None; count],
            scheduled: None,
            express_pins: vec![],
        }
    }

    fn failed(&self, index: usize) -> bool {
        matches!(
            &self.results[index],
            Some((Status::Failed | Status::TimedOut | Status::Superseded, _))
        )
    }

    /// Points failed services back at their previous revision (each follower knows how) and
    /// waits for that.
    pub async fn roll_back(&mut self, waiter: &Waiter<'_>, watches: &[Watch]) -> Result<()> {
        let mut rollbacks = vec![];
        let mut indexes = vec![];
        for (i, watch) in watches.iter().enumerate() {
            if !self.failed(i) {
                continue;
            }
            let asked = Rollback {
                scope: waiter.scope(),
                failed: watch,
                previous: &self.previous[i],
            };
            if let Some(rollback) = watch.follower.roll_back(asked).await? {
                rollbacks.push(rollback);
                indexes.push(i);
            }
        }
        if rollbacks.is_empty() {
            return Ok(());
        }
        let (finished, end) = waiter.wait(rollbacks, &mut self.events).await?;
        for (watch, i) in finished.iter().zip(indexes) {
            let (result, reason) = match result_of(watch.verdict.as_ref(), &end) {
                (Status::TimedOut, None) => (
                    Status::TimedOut,
                    Some("the rollback did not finish in time".to_string()),
                ),
                other => other,
            };
            self.rollbacks[i] = Some((watch.task_definition.clone(), result, reason));
        }
        Ok(())
    }

    /// The worst outcome decides the exit code: a failure (3) over a timeout (124).
    pub fn failure(&self, watches: &[Watch], cancelled: Option<Signal>) -> Option<Error> {
        if let Some(signal) = cancelled {
            return Some(Error::Interrupted(signal));
        }
        let describe = |wanted: Status| -> Vec<String> {
            watches
                .iter()
                .enumerate()
                .filter_map(|(i, watch)| {
                    let (result, reason) = self.results[i].as_ref()?;
                    if *result != wanted {
                        return None;
                    }
                    let mut text = match (watches.len(), reason) {
                        (1, Some(reason)) => reason.clone(),
                        (_, Some(reason)) => format!("{}: {reason}", watch.name),
                        (_, None) => watch.name.clone(),
                    };
                    if let Some((to, result, reason)) = &self.rollbacks[i] {
                        text.push_str(&match result {
                            Status::Succeeded => format!("; rolled back to {}", arn_name(to)),
                            _ => format!(
                                "; the rollback to {} {}{}",
                                arn_name(to),
                                result.as_str().replace('_', " "),
                                reason
                                    .as_ref()
                                    .map(|r| format!(": {r}"))
                                    .unwrap_or_default()
                            ),
                        });
                    }
                    Some(text)
                })
                .collect()
        };
        let mut failed = describe(Status::Failed);
        failed.extend(describe(Status::Superseded));
        if !failed.is_empty() {
            return Some(Error::DeploymentFailed(failed.join("; ")));
        }
        let timed_out = describe(Status::TimedOut);
        if !timed_out.is_empty() {
            return Some(Error::TimedOut(format!(
                "waiting for the deployment: {}",
                timed_out.join("; ")
            )));
        }
        None
    }

    /// How watch `i` ended, as the result spells it, and why.
    fn result(&self, i: usize) -> (String, Option<String>) {
        self.results[i]
            .clone()
            .map(|(status, reason)| (status.as_str().to_string(), reason))
            .unwrap_or_default()
    }

    /// One service's entry in the result: what its watch and follower know.
    fn service_result(&self, i: usize, watch: &Watch) -> ServiceResult {
        let (result, reason) = self.result(i);
        let rollback = self.rollbacks[i].as_ref();
        let facts = watch.follower.facts();
        let deployment = facts.service_deployment;
        let paused = match &watch.verdict {
            Some(Verdict::Paused(pause)) => Some(Paused {
                stage: pause.stage.clone(),
                hook_id: pause.hook_id.clone(),
                expires_at: pause.expires_at.map(follow::utc),
                timeout_action: pause.timeout_action.clone(),
                hooks_waiting: pause.waiting.clone(),
                continue_command: facts.continue_command.map(String::from),
            }),
            _ => None,
        };
        let not_waited_for = match &watch.verdict {
            Some(Verdict::TrafficShifted(text)) => Some(text.clone()),
            _ => None,
        };
        ServiceResult {
            service: watch.name.clone(),
            cluster: self.cluster.to_string(),
            deployment_id: watch.deployment_id.clone().unwrap_or_default(),
            rollout_state: watch.deployment().and_then(|d| d.rollout_state.clone()),
            result,
            reason,
            desired_count: watch.last.desired_count,
            running_count: watch.last.running_count,
            task_definition: watch.task_definition.clone(),
            previous_task_definition: self.previous[i].clone(),
            rolled_back_to: rollback.map(|(to, _, _)| to.clone()),
            rollback_result: rollback.map(|(_, result, _)| result.as_str().to_string()),
            console_url: ecs::console_url(
                self.aws.region(),
                self.cluster,
                &format!("services/{}/deployments", watch.name),
            ),
            deployment_controller: watch.last.controller_name().to_string(),
            strategy: watch.last.strategy_name().to_string(),
            service_deployment_arn: facts.service_deployment_arn.map(String::from),
            service_deployment_status: deployment.map(|d| d.status.to_string()),
            lifecycle_stage: deployment.and_then(|d| d.lifecycle_stage.clone()),
            paused,
            not_waited_for,
            codedeploy: facts.codedeploy.map(|c| CodeDeployResult {
                application: c.group.application.clone(),
                deployment_group: c.group.name.clone(),
                deployment_id: c.deployment_id.to_string(),
                status: c.last.map(|d| d.status.to_string()),
                rollback_deployment_id: c.last.and_then(|d| d.rollback_deployment_id.clone()),
            }),
            endpoints: facts.endpoints.to_vec(),
        }
    }

    pub fn report(self, watches: &[Watch], failure: Option<Error>) -> Report {
        let exit_code = failure.as_ref().map_or(0, Error::code);
        let daemons: Vec<_> = watches
            .iter()
            .enumerate()
            .filter_map(|(i, watch)| {
                super::daemons::result(self.result(i), &self.previous[i], watch)
            })
            .collect();
        let services = watches
            .iter()
            .enumerate()
            .filter(|(_, watch)| watch.follower.facts().daemon.is_none())
            .map(|(i, watch)| self.service_result(i, watch))
            .collect();
        // With no service, the scheduled targets' revisions are what was deployed.
        let deployed = match (watches.is_empty(), &self.scheduled) {
            (true, Some(targets)) => targets.iter().map(|t| &t.task_definition).collect(),
            _ => watches
                .iter()
                .map(|w| &w.task_definition)
                .collect::<Vec<_>>(),
        };
        let mut arns: Vec<String> = vec![];
        for arn in deployed {
            if !arns.contains(arn) {
                arns.push(arn.clone());
            }
        }
        let result = match &failure {
            None if self.context.global.no_wait => "started",
            None if self
                .results
                .iter()
                .any(|r| matches!(r, Some((Status::Paused, _)))) =>
            {
                "paused"
            }
            None => "succeeded",
            Some(Error::DeploymentFailed(_)) => "failed",
            Some(Error::TimedOut(_)) => "timed_out",
            Some(Error::Interrupted(_)) => "cancelled",
            Some(_) => "error",
        };
        let pinned_images = self
            .revisions
            .iter()
            .flat_map(|r| &r.pinned)
            .chain(&self.express_pins)
            .map(PinnedImage::from)
            .collect();
        let mut report = Report::of(CommandResult::Deploy(DeployResult {
            command: self.command,
            result,
            exit_code,
            reason: failure.as_ref().map(ToString::to_string),
            cluster: self.cluster.to_string(),
            region: self.aws.region().to_string(),
            task_definition: arns.into(),
            pinned_images,
            services,
            api_calls: self.aws.calls(),
            duration_seconds: (self.started.elapsed().as_millis() as f64) / 1000.0,
            scheduled_targets: self.scheduled.clone(),
            auto_scaling: None,
            prune: None,
            daemons: (!daemons.is_empty()).then_some(daemons),
        }));
        let events = self.events.len().saturating_sub(EVENTS_KEPT);
        report.failure = failure;
        report.events = self.events[events..].to_vec();
        report
    }
}
