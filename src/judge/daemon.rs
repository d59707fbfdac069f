//! "Is *this* daemon deployment done, failed, or still going?" — a pure function of one
//! DescribeDaemonDeployments snapshot. A daemon deployment drains and replaces container
//! instances; ECS watches it with a circuit breaker and CloudWatch alarms and rolls it back
//! itself when one triggers: any of that, or a stop, is a failure (exit 3).

use super::Verdict;
use crate::daemon::{DaemonDeployment, DaemonDeploymentStatus, InstanceCounts};
use crate::ecs::arn_name;
use crate::poll::Step;

/// The rollback monitors' status when they fired.
const TRIGGERED: &str = "TRIGGERED";

pub fn judge(deployment: &DaemonDeployment) -> Step<Verdict> {
    use DaemonDeploymentStatus as S;
    let failed = |what: &str| Step::Done(Verdict::Failed(failure(what, deployment)));
    match &deployment.status {
        S::Successful => Step::Done(Verdict::Completed),
        S::RollbackInProgress | S::RollbackSuccessful => failed("rolled back"),
        S::RollbackFailed => failed("rolled back, and the rollback failed"),
        S::Stopped | S::StopRequested => failed("stopped"),
        _ if triggered(deployment) => failed("failed"),
        _ => Step::Pending(progress_text(deployment)),
    }
}

/// The circuit breaker or an alarm fired: ECS rolls the deployment back.
fn triggered(deployment: &DaemonDeployment) -> bool {
    let breaker = deployment
        .circuit_breaker
        .as_ref()
        .is_some_and(|c| c.status == TRIGGERED);
    let alarms = deployment
        .alarms
        .as_ref()
        .is_some_and(|a| a.status == TRIGGERED || !a.triggered.is_empty());
    breaker || alarms
}

/// `daemon deployment ID rolled back: REASON; alarms triggered: A, B; circuit breaker: 3 failed
/// (threshold 3); rollback: REASON`.
fn failure(what: &str, deployment: &DaemonDeployment) -> String {
    let mut text = format!("daemon deployment {} {what}", arn_name(&deployment.arn));
    if let Some(reason) = deployment
        .status_reason
        .as_deref()
        .filter(|r| !r.is_empty())
    {
        text.push_str(&format!(": {reason}"));
    }
    if let Some(alarms) = deployment
        .alarms
        .as_ref()
        .filter(|a| !a.triggered.is_empty())
    {
        text.push_str(&format!(
            "; alarms triggered: {}",
            alarms.triggered.join(", ")
        ));
    }
    if let Some(breaker) = deployment
        .circuit_breaker
        .as_ref()
        .filter(|c| c.status == TRIGGERED || c.failure_count > 0)
    {
        text.push_str(&format!(
            "; circuit breaker: {} failed (threshold {})",
            breaker.failure_count, breaker.threshold
        ));
    }
    if let Some(reason) = deployment
        .rollback
        .as_ref()
        .and_then(|r| r.reason.as_deref())
    {
        text.push_str(&format!("; rollback: {reason}"));
    }
    text
}

fn progress_text(deployment: &DaemonDeployment) -> String {
    let status = deployment.status.as_str().to_lowercase().replace('_', " ");
    match &deployment.target {
        Some(target) => format!("{status}; {}", counts(target)),
        None => status,
    }
}

fn counts(counts: &InstanceCounts) -> String {
    format!(
        "{} running, {} draining, {} without the daemon",
        counts.running, counts.draining, counts.without_daemon
    )
}

/// One line per capacity provider of the new revision (and of each old one still draining):
/// instances running the daemon, draining, without it.
pub fn progress_lines(deployment: &DaemonDeployment) -> Vec<String> {
    let revisions = deployment
        .target
        .iter()
        .map(|t| ("new", t))
        .chain(deployment.sources.iter().map(|s| ("old", s)));
    let mut lines = vec![];
    for (age, revision) in revisions {
        let name = arn_name(&revision.revision_arn);
        if revision.capacity_providers.is_empty() {
            lines.push(format!("{age} revision {name}: {}", counts(revision)));
        }
        for provider in &revision.capacity_providers {
            lines.push(format!(
                "{age} revision {name} on {}: {} running, {} draining, {} without the daemon",
                arn_name(&provider.arn),
                provider.running,
                provider.draining,
                provider.without_daemon
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::{Alarms, CapacityProviderCounts, CircuitBreaker, DaemonRollback};

    const ARN: &str = "arn:aws:ecs:us-east-1:123456789012:daemon-deployment/prod/agent/d1";

    fn deployment(status: &str) -> DaemonDeployment {
        DaemonDeployment {
            arn: ARN.into(),
            status: status.into(),
            target: Some(InstanceCounts {
                revision_arn: "arn:aws:ecs:us-east-1:1:daemon-revision/prod/agent/2".into(),
                running: 2,
                draining: 1,
                without_daemon: 1,
                capacity_providers: vec![CapacityProviderCounts {
                    arn: "arn:aws:ecs:us-east-1:1:capacity-provider/asg-a".into(),
                    running: 2,
                    draining: 1,
                    without_daemon: 1,
                }],
            }),
            circuit_breaker: Some(CircuitBreaker {
                status: "MONITORING".into(),
                failure_count: 0,
                threshold: 3,
            }),
            alarms: Some(Alarms {
                status: "MONITORING".into(),
                alarm_names: vec!["agent-errors".into()],
                triggered: vec![],
            }),
            ..DaemonDeployment::default()
        }
    }

    #[test]
    fn successful_is_done_and_in_progress_is_pending_with_the_counts() {
        assert_eq!(
            judge(&deployment("SUCCESSFUL")),
            Step::Done(Verdict::Completed)
        );
        for status in ["PENDING", "IN_PROGRESS"] {
            match judge(&deployment(status)) {
                Step::Pending(text) => {
                    assert!(text.contains("2 running, 1 draining, 1 without"), "{text}")
                }
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_rollback_names_the_alarms_and_its_reason() {
        let mut rolled = deployment("ROLLBACK_IN_PROGRESS");
        rolled.alarms.as_mut().unwrap().status = TRIGGERED.into();
        rolled.alarms.as_mut().unwrap().triggered = vec!["agent-errors".into()];
        rolled.rollback = Some(DaemonRollback {
            reason: Some("Alarm agent-errors in ALARM state".into()),
            target_revision_arn: None,
        });
        let Step::Done(Verdict::Failed(reason)) = judge(&rolled) else {
            panic!("not a failure")
        };
        assert!(reason.contains("d1 rolled back"), "{reason}");
        assert!(
            reason.contains("alarms triggered: agent-errors"),
            "{reason}"
        );
        assert!(
            reason.contains("rollback: Alarm agent-errors in ALARM state"),
            "{reason}"
        );
    }

    #[test]
    fn a_tripped_circuit_breaker_fails_before_ecs_reports_the_rollback() {
        let mut tripped = deployment("IN_PROGRESS");
        tripped.circuit_breaker = Some(CircuitBreaker {
            status: TRIGGERED.into(),
            failure_count: 3,
            threshold: 3,
        });
        let Step::Done(Verdict::Failed(reason)) = judge(&tripped) else {
            panic!("not a failure")
        };
        assert!(
            reason.contains("circuit breaker: 3 failed (threshold 3)"),
            "{reason}"
        );
    }

    #[test]
    fn stopped_and_rollback_failed_are_failures() {
        for (status, word) in [
            ("STOPPED", "stopped"),
            ("STOP_REQUESTED", "stopped"),
            ("ROLLBACK_FAILED", "the rollback failed"),
            ("ROLLBACK_SUCCESSFUL", "rolled back"),
        ] {
            match judge(&deployment(status)) {
                Step::Done(Verdict::Failed(reason)) => assert!(reason.contains(word), "{reason}"),
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn progress_lines_are_per_capacity_provider_and_revision() {
        let mut draining = deployment("IN_PROGRESS");
        draining.sources = vec![InstanceCounts {
            revision_arn: "arn:aws:ecs:us-east-1:1:daemon-revision/prod/agent/1".into(),
            running: 1,
            draining: 1,
            without_daemon: 0,
            capacity_providers: vec![],
        }];
        assert_eq!(
            progress_lines(&draining),
            [
                "new revision 2 on asg-a: 2 running, 1 draining, 1 without the daemon",
                "old revision 1: 1 running, 1 draining, 0 without the daemon",
            ]
        );
    }
}
