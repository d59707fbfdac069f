//! `deploy --suspend-auto-scaling` and `--auto-scaling-min/max`: the services' Application Auto
//! Scaling targets around the deploy.
//!
//! Before anything changes, `check` reads the targets and refuses what auto scaling would
//! silently undo (a `--desired-count` outside the bounds). Just before the services are
//! updated, `suspend` sets the bounds and suspends dynamic scale-in, scale-out and scheduled
//! scaling. `end` runs whatever way the deploy ended (success, failure, rollback, timeout,
//! signal, error) and restores exactly the suspended state found; calls after the `--timeout`
//! deadline still go out within `aws::REPORT_GRACE`. A restore that fails keeps a failing exit
//! code, turns a success into 1, and prints the AWS CLI command that restores the state found.

use std::sync::Mutex;

use crate::aws::{service_resource_id, Aws, ScalableTarget, SuspendedState, TargetChange};
use crate::cli::DeployArgs;
use crate::context::Context;
use crate::ecs::ServiceDescription;
use crate::error::{Error, Result};
use crate::output::{AutoScalingResult, Suspension};
use crate::report::Report;

/// The auto scaling side of one deploy; inert when no auto scaling flag is given.
pub struct Scaling<'a> {
    context: &'a Context,
    args: &'a DeployArgs,
    /// Filled by `check`, updated by `suspend`; read by `end`.
    state: Mutex<Option<State>>,
}

struct State {
    aws: Aws,
    services: Vec<Entry>,
}

/// One service and its scalable target, as found.
struct Entry {
    service: String,
    target: Option<ScalableTarget>,
    /// The bounds `--auto-scaling-min/max` give it.
    min: Option<u32>,
    max: Option<u32>,
    /// Suspended by this deploy: to be restored.
    suspended: bool,
}

impl Entry {
    /// What `suspend` sends: the bounds asked for, everything suspended when asked to.
    fn change(&self, suspend: bool) -> TargetChange {
        let found = self.target.as_ref().map(|t| t.suspended);
        TargetChange {
            min: self.min,
            max: self.max,
            suspended: (suspend && found != Some(SuspendedState::ALL))
                .then_some(SuspendedState::ALL),
        }
    }
}

impl<'a> Scaling<'a> {
    /// Checks the flags before any AWS call (usage errors, exit 2).
    pub fn new(context: &'a Context, args: &'a DeployArgs) -> Result<Self> {
        let flags = &args.auto_scaling;
        if let (Some(min), Some(max)) = (flags.auto_scaling_min, flags.auto_scaling_max) {
            if min > max {
                return Err(Error::Usage(format!(
                    "--auto-scaling-min {min} is greater than --auto-scaling-max {max}"
                )));
            }
        }
        if flags.suspend_auto_scaling && context.global.no_wait {
            return Err(Error::Usage(
                "--suspend-auto-scaling restores auto scaling when the deployment is done, so it needs to wait for it; drop --no-wait".into(),
            ));
        }
        Ok(Scaling {
            context,
            args,
            state: Mutex::new(None),
        })
    }

    /// Reads the services' scalable targets and refuses, before anything changes (exit 1):
    /// bounds for a service without a target, a min above the max, a `--desired-count` outside
    /// the bounds (checked even without the auto scaling flags: auto scaling would undo it).
    pub async fn check(
        &self,
        aws: &Aws,
        cluster: &str,
        services: &[ServiceDescription],
    ) -> Result<()> {
        let asked = self.args.auto_scaling.any();
        if !(asked || self.args.desired_count.is_some()) || services.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = services
            .iter()
            .map(|s| service_resource_id(cluster, &s.service_name))
            .collect();
        let targets = match aws.scalable_targets(&ids).await {
            Ok(targets) => targets,
            // Only --desired-count: a deploy that never asked for auto scaling goes on.
            Err(error) if !asked => {
                self.context.progress.warn(format_args!(
                    "--desired-count not checked against auto scaling bounds: {error}"
                ));
                return Ok(());
            }
            Err(error) => return Err(error.into()),
        };
        let mut entries = vec![];
        for (service, id) in services.iter().zip(&ids) {
            let target = targets.iter().find(|t| &t.resource_id == id).cloned();
            let entry = self.entry(&service.service_name, id, target)?;
            entries.push(entry);
        }
        if asked {
            self.put(State {
                aws: aws.clone(),
                services: entries,
            });
        }
        Ok(())
    }

    fn entry(&self, service: &str, id: &str, target: Option<ScalableTarget>) -> Result<Entry> {
        let flags = &self.args.auto_scaling;
        let (min, max) = (flags.auto_scaling_min, flags.auto_scaling_max);
        let Some(found) = &target else {
            if min.is_some() || max.is_some() {
                return Err(Error::input_with_hint(
                    format!("{service} has no scalable target ({id}): --auto-scaling-min / --auto-scaling-max have nothing to set"),
                    "register one first (aws application-autoscaling register-scalable-target), or drop the flags",
                ));
            }
            if flags.suspend_auto_scaling {
                self.context.progress.say(format_args!(
                    "note: {service} has no scalable target ({id}): no auto scaling to suspend"
                ));
            }
            return Ok(Entry {
                service: service.to_string(),
                target,
                min,
                max,
                suspended: false,
            });
        };
        let (low, high) = (min.unwrap_or(found.min), max.unwrap_or(found.max));
        if low > high {
            return Err(Error::input(format!(
                "{service}: auto scaling min {low} would be above max {high} (--auto-scaling-min / --auto-scaling-max; the target has min {}, max {})",
                found.min, found.max
            )));
        }
        if let Some(desired) = self.args.desired_count {
            if desired < low || desired > high {
                return Err(Error::input_with_hint(
                    format!("--desired-count {desired} is outside {service}'s auto scaling bounds: min {low}, max {high}"),
                    "ECS would accept it and auto scaling would set it back; pick a count within the bounds or change them with --auto-scaling-min / --auto-scaling-max",
                ));
            }
        }
        Ok(Entry {
            service: service.to_string(),
            target,
            min,
            max,
            suspended: false,
        })
    }

    /// Sets the bounds and suspends auto scaling, just before the services are updated. When
    /// one service's call fails, `end` restores those already suspended.
    pub async fn suspend(&self) -> Result<()> {
        let Some(mut state) = self.take() else {
            return Ok(());
        };
        let result = self.suspend_all(&mut state).await;
        self.put(state);
        result
    }

    /// The state, out of its lock while AWS is called.
    fn take(&self) -> Option<State> {
        self.state.lock().expect("auto scaling state").take()
    }

    fn put(&self, state: State) {
        *self.state.lock().expect("auto scaling state") = Some(state);
    }

    async fn suspend_all(&self, state: &mut State) -> Result<()> {
        let suspend = self.args.auto_scaling.suspend_auto_scaling;
        let progress = &self.context.progress;
        for entry in &mut state.services {
            let Some(target) = &entry.target else {
                continue;
            };
            let change = entry.change(suspend);
            if change == TargetChange::default() {
                if suspend {
                    progress.say(format_args!(
                        "{}: auto scaling already fully suspended; leaving it as it is",
                        entry.service
                    ));
                }
                continue;
            }
            state
                .aws
                .register_scalable_target(&target.resource_id, &change)
                .await?;
            entry.suspended = change.suspended.is_some();
            progress.say(format_args!(
                "{}: {}",
                entry.service,
                describe(&change, target)
            ));
        }
        Ok(())
    }

    /// Restores what `suspend` suspended; the result of each restore.
    async fn restore_all(&self) -> Vec<Option<String>> {
        let Some(state) = self.take() else {
            return vec![];
        };
        let mut errors = vec![];
        for entry in &state.services {
            let (Some(target), true) = (&entry.target, entry.suspended) else {
                errors.push(None);
                continue;
            };
            let restore = TargetChange {
                suspended: Some(target.suspended),
                ..TargetChange::default()
            };
            let error = match state
                .aws
                .register_scalable_target(&target.resource_id, &restore)
                .await
            {
                Ok(()) => {
                    self.context.progress.say(format_args!(
                        "{}: auto scaling restored ({})",
                        entry.service,
                        suspended_text(target.suspended)
                    ));
                    None
                }
                Err(error) => Some(error.to_string()),
            };
            errors.push(error);
        }
        self.put(state);
        errors
    }

    /// Whatever way the deploy ended: restores the state found and adds what was done to the
    /// result. A restore that fails turns a success into exit 1 and names the AWS CLI command
    /// that restores it; a failure keeps its own exit code.
    pub async fn end(&self, outcome: Result<Report>) -> Result<Report> {
        let errors = self.restore_all().await;
        let Some(state) = self.take() else {
            return outcome;
        };
        let suspend = self.args.auto_scaling.suspend_auto_scaling;
        let results: Vec<AutoScalingResult> = state
            .services
            .iter()
            .zip(errors)
            .map(|(entry, error)| result(entry, suspend, error, state.aws.region()))
            .collect();
        let failed: Vec<String> = results
            .iter()
            .filter_map(|r| {
                Some(format!(
                    "{}: could not restore auto scaling ({}); restore it with: {}",
                    r.service,
                    r.restore_error.as_deref()?,
                    r.restore_command.as_deref()?
                ))
            })
            .collect();
        let progress = &self.context.progress;
        let mut report = match outcome {
            Ok(report) => report,
            Err(error) => {
                failed.iter().for_each(|line| progress.warn(line));
                return Err(error);
            }
        };
        report.result.set_auto_scaling(results);
        if failed.is_empty() {
            return Ok(report);
        }
        let message = failed.join("; ");
        if report.failure.is_none() {
            report.result.fail(1, message.clone());
            report.failure = Some(Error::Other(message));
        } else {
            progress.warn(format_args!(
                "{message} (exit code stays {})",
                report.exit_code()
            ));
        }
        Ok(report)
    }
}

/// One service's entry in the result.
fn result(entry: &Entry, suspend: bool, error: Option<String>, region: &str) -> AutoScalingResult {
    let target = entry.target.as_ref();
    let changed = |asked: Option<u32>, found: u32| asked.filter(|n| *n != found).map(|_| found);
    let suspension = match (target, suspend) {
        (None, _) => Suspension::NoTarget,
        (Some(_), false) => Suspension::NotRequested,
        (Some(_), true) if error.is_some() => Suspension::RestoreFailed,
        (Some(_), true) if entry.suspended => Suspension::Restored,
        (Some(t), true) if t.suspended == SuspendedState::ALL => Suspension::AlreadySuspended,
        (Some(_), true) => Suspension::WouldSuspend,
    };
    AutoScalingResult {
        service: entry.service.clone(),
        resource_id: target.map(|t| t.resource_id.clone()),
        min: target.map(|t| entry.min.unwrap_or(t.min)),
        max: target.map(|t| entry.max.unwrap_or(t.max)),
        previous_min: target.and_then(|t| changed(entry.min, t.min)),
        previous_max: target.and_then(|t| changed(entry.max, t.max)),
        found_suspended: target.map(|t| t.suspended),
        suspension,
        restore_command: error
            .is_some()
            .then(|| target.map(|t| restore_command(t, region)))
            .flatten(),
        restore_error: error,
    }
}

/// `bounds set to min 2, max 10; auto scaling suspended until the deploy ends`.
fn describe(change: &TargetChange, target: &ScalableTarget) -> String {
    let mut parts = vec![];
    if change.min.is_some() || change.max.is_some() {
        parts.push(format!(
            "auto scaling bounds set to min {}, max {}",
            change.min.unwrap_or(target.min),
            change.max.unwrap_or(target.max)
        ));
    }
    if change.suspended.is_some() {
        parts.push(format!(
            "auto scaling suspended until the deploy ends (found: {})",
            suspended_text(target.suspended)
        ));
    }
    parts.join("; ")
}

fn suspended_text(state: SuspendedState) -> String {
    let names = [
        (state.dynamic_scale_in, "dynamic scale-in"),
        (state.dynamic_scale_out, "dynamic scale-out"),
        (state.scheduled, "scheduled scaling"),
    ];
    let suspended: Vec<&str> = names
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
    match suspended.is_empty() {
        true => "nothing suspended".into(),
        false => format!("{} suspended", suspended.join(", ")),
    }
}

/// The AWS CLI command that puts the suspended state found back.
fn restore_command(target: &ScalableTarget, region: &str) -> String {
    let state = target.suspended;
    format!(
        "aws application-autoscaling register-scalable-target --region {region} \
         --service-namespace ecs --scalable-dimension ecs:service:DesiredCount \
         --resource-id {} --suspended-state \
         DynamicScalingInSuspended={},DynamicScalingOutSuspended={},ScheduledScalingSuspended={}",
        target.resource_id, state.dynamic_scale_in, state.dynamic_scale_out, state.scheduled
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(suspended: SuspendedState) -> ScalableTarget {
        ScalableTarget {
            resource_id: "service/prod/web".into(),
            min: 2,
            max: 10,
            suspended,
        }
    }

    fn entry(suspended: SuspendedState) -> Entry {
        Entry {
            service: "web".into(),
            target: Some(target(suspended)),
            min: None,
            max: Some(12),
            suspended: false,
        }
    }

    #[test]
    fn the_restore_command_puts_back_exactly_the_state_found() {
        let found = SuspendedState {
            scheduled: true,
            ..SuspendedState::default()
        };
        assert_eq!(
            restore_command(&target(found), "ap-northeast-1"),
            "aws application-autoscaling register-scalable-target --region ap-northeast-1 \
             --service-namespace ecs --scalable-dimension ecs:service:DesiredCount \
             --resource-id service/prod/web --suspended-state \
             DynamicScalingInSuspended=false,DynamicScalingOutSuspended=false,ScheduledScalingSuspended=true"
        );
    }

    #[test]
    fn a_fully_suspended_target_gets_no_suspension_call() {
        let change = entry(SuspendedState::ALL).change(true);
        assert_eq!(change.suspended, None);
        assert_eq!(change.max, Some(12));
        let change = entry(SuspendedState::default()).change(true);
        assert_eq!(change.suspended, Some(SuspendedState::ALL));
        assert_eq!(
            entry(SuspendedState::default()).change(false).suspended,
            None
        );
    }

    #[test]
    fn the_result_says_what_was_done_and_the_previous_bounds() {
        let mut suspended = entry(SuspendedState::default());
        suspended.suspended = true;
        let done = result(&suspended, true, None, "us-east-1");
        assert_eq!(done.suspension, Suspension::Restored);
        assert_eq!((done.min, done.max), (Some(2), Some(12)));
        assert_eq!((done.previous_min, done.previous_max), (None, Some(10)));
        assert_eq!(done.restore_command, None);
        let failed = result(&suspended, true, Some("boom".into()), "us-east-1");
        assert_eq!(failed.suspension, Suspension::RestoreFailed);
        assert!(failed
            .restore_command
            .unwrap()
            .contains("--resource-id service/prod/web"));
        let already = result(&entry(SuspendedState::ALL), true, None, "us-east-1");
        assert_eq!(already.suspension, Suspension::AlreadySuspended);
    }

    #[test]
    fn suspended_states_read_as_words() {
        assert_eq!(
            suspended_text(SuspendedState::default()),
            "nothing suspended"
        );
        assert_eq!(
            suspended_text(SuspendedState::ALL),
            "dynamic scale-in, dynamic scale-out, scheduled scaling suspended"
        );
    }
}
