//! "Is *this* ECS service deployment done, failed, superseded, paused at a hook, or still
//! going?" — a pure function of one DescribeServiceDeployments snapshot and the service's
//! `currentServiceDeployment`. ECS-native blue/green, linear and canary deployments are
//! followed this way.

use super::{Goal, Pause, Verdict};
use crate::ecs::{arn_name, HookStatus, LifecycleHook, ServiceDeployment, ServiceDeploymentStatus};
use crate::poll::Step;

/// `current`: the service's `currentServiceDeployment`; `now`: epoch seconds (for bake time).
pub fn judge(
    deployment: &ServiceDeployment,
    current: Option<&str>,
    goal: Goal,
    now: f64,
) -> Step<Verdict> {
    use ServiceDeploymentStatus as S;
    let ours = deployment.arn.as_str();
    let superseded = current.filter(|c| !c.is_empty() && *c != ours);
    let status = &deployment.status;
    match goal {
        Goal::RolledBack => match status {
            S::RollbackSuccessful => Step::Done(Verdict::Completed),
            S::RollbackFailed => {
                Step::Done(Verdict::Failed(failure("the rollback failed", deployment)))
            }
            S::Successful => Step::Done(Verdict::Failed(format!(
                "service deployment {} completed instead of rolling back",
                arn_name(ours)
            ))),
            S::Stopped => match superseded {
                Some(by) => Step::Done(Verdict::Superseded(by.to_string())),
                None => Step::Done(Verdict::Failed(failure(
                    "stopped before rolling back",
                    deployment,
                ))),
            },
            _ => Step::Pending(progress_text(deployment, now)),
        },
        Goal::Forward { traffic_shifted } => match status {
            S::Successful => Step::Done(Verdict::Completed),
            S::RollbackRequested | S::RollbackInProgress | S::RollbackSuccessful => {
                Step::Done(Verdict::Failed(failure("rolled back", deployment)))
            }
            S::RollbackFailed => Step::Done(Verdict::Failed(failure(
                "rolled back, and the rollback failed",
                deployment,
            ))),
            S::Stopped | S::StopRequested => match superseded {
                Some(by) => Step::Done(Verdict::Superseded(by.to_string())),
                None => Step::Done(Verdict::Failed(failure("stopped", deployment))),
            },
            _ if superseded.is_some() => Step::Done(Verdict::Superseded(
                superseded.unwrap_or_default().to_string(),
            )),
            _ => {
                if let Some(pause) = pause(deployment) {
                    return Step::Done(Verdict::Paused(pause));
                }
                if traffic_shifted && production_shifted(deployment) {
                    return Step::Done(Verdict::TrafficShifted(not_waited_for(deployment, now)));
                }
                Step::Pending(progress_text(deployment, now))
            }
        },
    }
}

/// The hook the deployment waits at, if any.
pub fn pause(deployment: &ServiceDeployment) -> Option<Pause> {
    let waiting: Vec<&LifecycleHook> = deployment
        .hooks
        .iter()
        .filter(|h| h.status == HookStatus::AwaitingAction)
        .collect();
    let first = waiting.first()?;
    Some(Pause {
        stage: deployment.lifecycle_stage.clone().unwrap_or_default(),
        hook_id: first.hook_id.clone(),
        expires_at: first.expires_at,
        timeout_action: first.timeout_action.clone(),
        waiting: waiting.iter().map(|h| h.hook_id.clone()).collect(),
    })
}

/// Production traffic is all on the new revision: the shift is over (bake time or clean-up).
fn production_shifted(deployment: &ServiceDeployment) -> bool {
    let stage_done = matches!(
        deployment.lifecycle_stage.as_deref(),
        Some("POST_PRODUCTION_TRAFFIC_SHIFT" | "BAKE_TIME" | "CLEAN_UP")
    );
    let weight = deployment
        .target
        .as_ref()
        .and_then(|t| t.production_traffic_weight);
    stage_done && weight.is_none_or(|w| w >= 100.0)
}

fn not_waited_for(deployment: &ServiceDeployment, now: f64) -> String {
    let mut left = vec![];
    if let Some(bake) = bake_time(deployment, now) {
        left.push(bake);
    }
    left.push("clean-up of the old revision".into());
    format!(
        "production traffic is on the new revision; not waited for: {} (ECS finishes them; it can still roll back)",
        left.join(", ")
    )
}

/// `bake time 60m (about 42m left)` while baking; the configured bake time before it.
fn bake_time(deployment: &ServiceDeployment, now: f64) -> Option<String> {
    let minutes = deployment.bake_time_minutes.filter(|m| *m > 0)?;
    let total = f64::from(minutes) * 60.0;
    match (deployment.lifecycle_stage.as_deref(), deployment.updated_at) {
        (Some("BAKE_TIME"), Some(since)) => {
            let left = (since + total - now).max(0.0);
            Some(format!(
                "bake time {minutes}m (about {}m left)",
                (left / 60.0).ceil() as i64
            ))
        }
        (Some("CLEAN_UP"), _) => None,
        _ => Some(format!("bake time {minutes}m")),
    }
}

fn stage_name(stage: &str) -> String {
    stage.to_lowercase().replace('_', " ")
}

fn progress_text(deployment: &ServiceDeployment, now: f64) -> String {
    let mut parts = vec![];
    let stage = deployment.lifecycle_stage.as_deref().unwrap_or("PENDING");
    match (stage, bake_time(deployment, now)) {
        ("BAKE_TIME", Some(bake)) => parts.push(bake),
        _ => parts.push(stage_name(stage)),
    }
    if let Some(target) = &deployment.target {
        let mut text = format!(
            "new revision {}/{} running",
            target.running, target.requested
        );
        let weights: Vec<String> = [
            ("production", target.production_traffic_weight),
            ("test", target.test_traffic_weight),
        ]
        .into_iter()
        .filter_map(|(name, w)| w.map(|w| format!("{w}% {name}")))
        .collect();
        if !weights.is_empty() {
            text.push_str(&format!(", traffic {}", weights.join(" / ")));
        }
        parts.push(text);
    }
    if let Some((status, count, threshold)) = &deployment.circuit_breaker {
        if *count > 0 || status == "TRIGGERED" {
            parts.push(format!("circuit breaker {count}/{threshold} failed tasks"));
        }
    }
    if let Some(status) = &deployment.alarms_status {
        if status == "TRIGGERED" {
            parts.push(format!(
                "alarms in ALARM: {}",
                deployment.triggered_alarms.join(", ")
            ));
        }
    }
    for hook in &deployment.hooks {
        if hook.status == HookStatus::InProgress {
            parts.push(format!("hook {} running", hook.hook_id));
        }
    }
    parts.join(", ")
}

/// `rolled back: <ECS's reason>; alarms in ALARM: a, b; circuit breaker: 3/3 failed tasks`.
fn failure(what: &str, deployment: &ServiceDeployment) -> String {
    let mut text = format!("service deployment {} {what}", arn_name(&deployment.arn));
    let reasons: Vec<&str> = [
        deployment.rollback_reason.as_deref(),
        deployment.status_reason.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|r| !r.is_empty())
    .collect();
    let mut seen: Vec<&str> = vec![];
    for reason in reasons {
        if !seen.contains(&reason) {
            seen.push(reason);
        }
    }
    if !seen.is_empty() {
        text.push_str(&format!(": {}", seen.join("; ")));
    }
    if !deployment.triggered_alarms.is_empty() {
        text.push_str(&format!(
            "; alarms in ALARM: {}",
            deployment.triggered_alarms.join(", ")
        ));
    }
    if let Some((status, count, threshold)) = &deployment.circuit_breaker {
        if status == "TRIGGERED" {
            text.push_str(&format!(
                "; circuit breaker: {count}/{threshold} failed tasks"
            ));
        }
    }
    for hook in &deployment.hooks {
        if matches!(hook.status, HookStatus::Failed | HookStatus::TimedOut) {
            text.push_str(&format!(
                "; hook {} {}",
                hook.hook_id,
                hook.status.as_str().to_lowercase().replace('_', " ")
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::RevisionSummary;

    const OURS: &str = "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/new";
    const NEWER: &str = "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/newer";
    const FORWARD: Goal = Goal::Forward {
        traffic_shifted: false,
    };

    fn deployment(status: &str, stage: &str) -> ServiceDeployment {
        ServiceDeployment {
            arn: OURS.into(),
            status: status.into(),
            lifecycle_stage: Some(stage.into()),
            strategy: Some("BLUE_GREEN".into()),
            bake_time_minutes: Some(60),
            updated_at: Some(1_000.0),
            target: Some(RevisionSummary {
                arn: "rev/new".into(),
                requested: 2,
                running: 2,
                production_traffic_weight: Some(0.0),
                test_traffic_weight: Some(100.0),
                ..RevisionSummary::default()
            }),
            ..ServiceDeployment::default()
        }
    }

    fn paused(stage: &str) -> ServiceDeployment {
        let mut d = deployment("IN_PROGRESS", stage);
        d.hooks = vec![LifecycleHook {
            hook_id: "hook-1".into(),
            target_type: Some("PAUSE".into()),
            status: "AWAITING_ACTION".into(),
            expires_at: Some(2_000.0),
            timeout_action: Some("ROLLBACK".into()),
        }];
        d
    }

    #[test]
    fn progress_names_the_stage_the_revision_and_the_traffic() {
        let verdict = judge(
            &deployment("IN_PROGRESS", "TEST_TRAFFIC_SHIFT"),
            Some(OURS),
            FORWARD,
            1_000.0,
        );
        assert_eq!(
            verdict,
            Step::Pending(
                "test traffic shift, new revision 2/2 running, traffic 0% production / 100% test"
                    .into()
            )
        );
    }

    #[test]
    fn bake_time_shows_the_time_left() {
        let Step::Pending(text) = judge(
            &deployment("IN_PROGRESS", "BAKE_TIME"),
            Some(OURS),
            FORWARD,
            1_000.0 + 18.0 * 60.0,
        ) else {
            panic!("not in progress")
        };
        assert!(text.starts_with("bake time 60m (about 42m left)"), "{text}");
    }

    #[test]
    fn successful_completes() {
        assert_eq!(
            judge(
                &deployment("SUCCESSFUL", "CLEAN_UP"),
                Some(OURS),
                FORWARD,
                0.0
            ),
            Step::Done(Verdict::Completed)
        );
    }

    #[test]
    fn an_alarm_rollback_fails_with_ecs_reason_and_the_alarm_names() {
        let mut d = deployment("ROLLBACK_IN_PROGRESS", "BAKE_TIME");
        d.rollback_reason = Some("Alarm web-5xx is in ALARM state.".into());
        d.alarms_status = Some("TRIGGERED".into());
        d.triggered_alarms = vec!["web-5xx".into()];
        let Step::Done(Verdict::Failed(reason)) = judge(&d, Some(OURS), FORWARD, 0.0) else {
            panic!("not failed")
        };
        assert_eq!(
            reason,
            "service deployment new rolled back: Alarm web-5xx is in ALARM state.; alarms in ALARM: web-5xx"
        );
    }

    #[test]
    fn stopped_fails_and_superseded_names_the_newer_deployment() {
        let mut stopped = deployment("STOPPED", "SCALE_UP");
        stopped.status_reason = Some("Stopped by user.".into());
        assert!(
            matches!(judge(&stopped, Some(OURS), FORWARD, 0.0), Step::Done(Verdict::Failed(r)) if r.contains("stopped: Stopped by user."))
        );
        assert_eq!(
            judge(&stopped, Some(NEWER), FORWARD, 0.0),
            Step::Done(Verdict::Superseded(NEWER.into()))
        );
        assert_eq!(
            judge(
                &deployment("IN_PROGRESS", "SCALE_UP"),
                Some(NEWER),
                FORWARD,
                0.0
            ),
            Step::Done(Verdict::Superseded(NEWER.into()))
        );
    }

    #[test]
    fn a_pause_hook_awaiting_action_pauses_with_its_id_and_expiry() {
        let Step::Done(Verdict::Paused(pause)) =
            judge(&paused("POST_TEST_TRAFFIC_SHIFT"), Some(OURS), FORWARD, 0.0)
        else {
            panic!("not paused")
        };
        assert_eq!(pause.stage, "POST_TEST_TRAFFIC_SHIFT");
        assert_eq!(pause.hook_id, "hook-1");
        assert_eq!(pause.expires_at, Some(2_000.0));
        assert_eq!(pause.timeout_action.as_deref(), Some("ROLLBACK"));
    }

    #[test]
    fn traffic_shifted_succeeds_once_production_traffic_moved() {
        let goal = Goal::Forward {
            traffic_shifted: true,
        };
        let mut baking = deployment("IN_PROGRESS", "BAKE_TIME");
        baking.target.as_mut().unwrap().production_traffic_weight = Some(100.0);
        let Step::Done(Verdict::TrafficShifted(text)) = judge(&baking, Some(OURS), goal, 1_000.0)
        else {
            panic!("not shifted")
        };
        assert!(text.contains("bake time 60m (about 60m left)"), "{text}");
        assert!(text.contains("clean-up"), "{text}");
        let shifting = deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT");
        assert!(matches!(
            judge(&shifting, Some(OURS), goal, 0.0),
            Step::Pending(_)
        ));
        assert!(matches!(
            judge(&baking, Some(OURS), FORWARD, 0.0),
            Step::Pending(_)
        ));
    }

    #[test]
    fn a_rollback_goal_completes_at_rollback_successful_only() {
        let goal = Goal::RolledBack;
        assert_eq!(
            judge(
                &deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP"),
                Some(OURS),
                goal,
                0.0
            ),
            Step::Done(Verdict::Completed)
        );
        assert!(matches!(
            judge(
                &deployment("ROLLBACK_IN_PROGRESS", "CLEAN_UP"),
                Some(OURS),
                goal,
                0.0
            ),
            Step::Pending(_)
        ));
        assert!(matches!(
            judge(&deployment("SUCCESSFUL", "CLEAN_UP"), Some(OURS), goal, 0.0),
            Step::Done(Verdict::Failed(r)) if r.contains("instead of rolling back")
        ));
        assert!(matches!(
            judge(
                &deployment("ROLLBACK_FAILED", "CLEAN_UP"),
                Some(OURS),
                goal,
                0.0
            ),
            Step::Done(Verdict::Failed(_))
        ));
    }
}
