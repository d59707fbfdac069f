//! "Is *this* CodeDeploy deployment of an ECS service done, failed, waiting to reroute traffic,
//! or still going?" — a pure function of one GetDeployment snapshot and, once it failed, the
//! service target's lifecycle events (GetDeploymentTarget), whose diagnostics say why.

use super::{Goal, Pause, Verdict};
use crate::ecs::{CodeDeployDeployment, CodeDeployStatus, LifecycleEvent};
use crate::poll::Step;

/// `events`: the target's lifecycle events, fetched by the caller once the deployment failed.
/// With `Goal::RolledBack` the deployment judged is the one that rolls back.
pub fn judge(
    deployment: &CodeDeployDeployment,
    events: &[LifecycleEvent],
    goal: Goal,
) -> Step<Verdict> {
    let status = &deployment.status;
    match (goal, status) {
        (_, CodeDeployStatus::Succeeded) => Step::Done(Verdict::Completed),
        (_, CodeDeployStatus::Failed | CodeDeployStatus::Stopped) => Step::Done(Verdict::Failed(failure(deployment, events))),
        (Goal::Forward { .. }, CodeDeployStatus::Ready) => Step::Done(Verdict::Paused(Pause {
            stage: "Ready (replacement tasks running; waiting to reroute production traffic)"
                .into(),
            hook_id: deployment.id.clone(),
            expires_at: None,
            timeout_action: None,
            waiting: vec![deployment.id.clone()],
        })),
        (
            Goal::Forward {
                traffic_shifted: true,
            },
            CodeDeployStatus::Baking,
        ) => Step::Done(Verdict::TrafficShifted(
            "production traffic is on the replacement task set; not waited for: the wait before the original task set is terminated (CodeDeploy finishes it; it can still roll back)"
                .into(),
        )),
        _ => Step::Pending(format!("CodeDeploy deployment {} {status}", deployment.id)),
    }
}

/// `CodeDeploy deployment d-1 Failed: HEALTH_CONSTRAINTS: …; lifecycle event AfterAllowTestTraffic
/// failed: ScriptFailed: … (log: …); rolled back by d-2`.
fn failure(deployment: &CodeDeployDeployment, events: &[LifecycleEvent]) -> String {
    let mut text = format!(
        "CodeDeploy deployment {} {}",
        deployment.id, deployment.status
    );
    match (&deployment.error_code, &deployment.error_message) {
        (Some(code), Some(message)) => text.push_str(&format!(": {code}: {message}")),
        (None, Some(message)) => text.push_str(&format!(": {message}")),
        (Some(code), None) => text.push_str(&format!(": {code}")),
        (None, None) => {}
    }
    for event in events.iter().filter(|e| e.status == "Failed") {
        text.push_str(&format!("; lifecycle event {} failed", event.name));
        let detail: Vec<&str> = [
            event.error_code.as_deref(),
            event.script_name.as_deref(),
            event.message.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|d| !d.is_empty())
        .collect();
        if !detail.is_empty() {
            text.push_str(&format!(": {}", detail.join(": ")));
        }
        if let Some(tail) = event.log_tail.as_deref().filter(|t| !t.trim().is_empty()) {
            text.push_str(&format!(" (log: {})", tail.trim()));
        }
    }
    if let Some(rollback) = &deployment.rollback_deployment_id {
        text.push_str(&format!("; rolled back by deployment {rollback}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORWARD: Goal = Goal::Forward {
        traffic_shifted: false,
    };

    fn deployment(status: &str) -> CodeDeployDeployment {
        CodeDeployDeployment {
            id: "d-ABC".into(),
            status: status.into(),
            ..CodeDeployDeployment::default()
        }
    }

    #[test]
    fn succeeded_completes_and_in_progress_goes_on() {
        assert_eq!(
            judge(&deployment("Succeeded"), &[], FORWARD),
            Step::Done(Verdict::Completed)
        );
        assert_eq!(
            judge(&deployment("InProgress"), &[], FORWARD),
            Step::Pending("CodeDeploy deployment d-ABC InProgress".into())
        );
    }

    #[test]
    fn a_failed_hook_brings_its_diagnostics() {
        let mut failed = deployment("Failed");
        failed.error_code = Some("HEALTH_CONSTRAINTS".into());
        failed.error_message =
            Some("The deployment failed because a lifecycle hook failed.".into());
        failed.rollback_deployment_id = Some("d-BACK".into());
        let events = [
            LifecycleEvent {
                name: "BeforeInstall".into(),
                status: "Succeeded".into(),
                ..LifecycleEvent::default()
            },
            LifecycleEvent {
                name: "AfterAllowTestTraffic".into(),
                status: "Failed".into(),
                error_code: Some("ScriptFailed".into()),
                script_name: Some("smoke-test".into()),
                message: Some("Lambda returned Failed".into()),
                log_tail: Some("GET /health -> 503\n".into()),
            },
        ];
        let Step::Done(Verdict::Failed(reason)) = judge(&failed, &events, FORWARD) else {
            panic!("not failed")
        };
        assert_eq!(
            reason,
            "CodeDeploy deployment d-ABC Failed: HEALTH_CONSTRAINTS: The deployment failed because a lifecycle hook failed.; lifecycle event AfterAllowTestTraffic failed: ScriptFailed: smoke-test: Lambda returned Failed (log: GET /health -> 503); rolled back by deployment d-BACK"
        );
    }

    #[test]
    fn ready_pauses_like_a_hook_and_baking_is_traffic_shifted() {
        assert!(matches!(
            judge(&deployment("Ready"), &[], FORWARD),
            Step::Done(Verdict::Paused(p)) if p.hook_id == "d-ABC"
        ));
        assert!(matches!(
            judge(&deployment("Baking"), &[], FORWARD),
            Step::Pending(_)
        ));
        assert!(matches!(
            judge(
                &deployment("Baking"),
                &[],
                Goal::Forward {
                    traffic_shifted: true
                }
            ),
            Step::Done(Verdict::TrafficShifted(_))
        ));
    }
}
