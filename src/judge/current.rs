//! "Which deployment is going on on this service, or how did the latest one end?" — for
//! `wait`, which follows deployments it did not start. Pure functions of one DescribeServices
//! snapshot, one service deployment or one CodeDeploy deployment.

use super::{codedeploy, service_deployment, Goal, Verdict};
use crate::ecs::{
    CodeDeployDeployment, Deployment, DeploymentStatus, ServiceDeployment, ServiceDescription,
};
use crate::poll::Step;

/// The rolling deployment (DescribeServices `deployments[]`) to follow: one ECS failed (it is
/// being rolled back or given up: following it reports the failure, with the stopped tasks),
/// else the PRIMARY one while it has not settled. `None`: nothing is rolling.
pub fn rolling(service: &ServiceDescription) -> Option<&Deployment> {
    let deployments = &service.deployments;
    if let Some(failed) = deployments
        .iter()
        .find(|d| d.rollout_state.as_deref() == Some("FAILED"))
    {
        return Some(failed);
    }
    let primary = deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)?;
    let others = deployments.iter().any(|d| d.id != primary.id);
    let settled = !others
        && match primary.rollout_state.as_deref() {
            Some(state) => state == "COMPLETED",
            // Without a circuit breaker ECS gives no rollout state: settled once all run.
            None => primary.running_count == primary.desired_count,
        };
    (!settled).then_some(primary)
}

/// How a service deployment ended; `None` while it goes on (paused or rolling back included).
pub fn service_deployment_ended(deployment: &ServiceDeployment) -> Option<Verdict> {
    if deployment.status.in_progress() {
        return None;
    }
    // Judged as its own deployment (`current` = itself): the same words deploy uses.
    let goal = Goal::Forward {
        traffic_shifted: false,
    };
    match service_deployment::judge(deployment, Some(&deployment.arn), goal, 0.0) {
        Step::Done(verdict) => Some(verdict),
        Step::Pending(_) => None,
    }
}

/// How a CodeDeploy deployment ended; `None` while it goes on.
pub fn codedeploy_ended(deployment: &CodeDeployDeployment) -> Option<Verdict> {
    if !deployment.status.finished() {
        return None;
    }
    let goal = Goal::Forward {
        traffic_shifted: false,
    };
    match codedeploy::judge(deployment, &[], goal) {
        Step::Done(verdict) => Some(verdict),
        Step::Pending(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(id: &str, status: &str, rollout: Option<&str>, running: i64) -> Deployment {
        Deployment {
            id: id.into(),
            status: status.into(),
            task_definition: format!("td:{id}"),
            desired_count: 2,
            running_count: running,
            rollout_state: rollout.map(Into::into),
            rollout_state_reason: Some(
                "ECS deployment circuit breaker: tasks failed to start.".into(),
            ),
            ..Deployment::default()
        }
    }

    fn service(deployments: Vec<Deployment>) -> ServiceDescription {
        ServiceDescription {
            service_name: "web".into(),
            deployments,
            ..ServiceDescription::default()
        }
    }

    fn followed(service: &ServiceDescription) -> Option<&str> {
        rolling(service).map(|d| d.id.as_str())
    }

    #[test]
    fn a_primary_deployment_still_rolling_is_followed() {
        let rolling_out = service(vec![
            deployment("new", "PRIMARY", Some("IN_PROGRESS"), 1),
            deployment("old", "ACTIVE", Some("COMPLETED"), 2),
        ]);
        assert_eq!(followed(&rolling_out), Some("new"));
        // Completed, but old tasks still drain: not settled yet.
        let draining = service(vec![
            deployment("new", "PRIMARY", Some("COMPLETED"), 2),
            deployment("old", "ACTIVE", Some("COMPLETED"), 1),
        ]);
        assert_eq!(followed(&draining), Some("new"));
        // No circuit breaker, no rollout state: rolling until every task runs.
        assert_eq!(
            followed(&service(vec![deployment("new", "PRIMARY", None, 1)])),
            Some("new")
        );
    }

    #[test]
    fn a_failed_deployment_is_followed_even_while_ecs_rolls_back_to_the_old_one() {
        let rolling_back = service(vec![
            deployment("rollback", "PRIMARY", Some("IN_PROGRESS"), 1),
            deployment("new", "ACTIVE", Some("FAILED"), 0),
        ]);
        assert_eq!(followed(&rolling_back), Some("new"));
    }

    #[test]
    fn a_settled_service_has_nothing_rolling() {
        assert_eq!(
            followed(&service(vec![deployment(
                "one",
                "PRIMARY",
                Some("COMPLETED"),
                2
            )])),
            None
        );
        assert_eq!(
            followed(&service(vec![deployment("one", "PRIMARY", None, 2)])),
            None
        );
        assert_eq!(followed(&service(vec![])), None);
    }

    fn sd(status: &str) -> ServiceDeployment {
        ServiceDeployment {
            arn: "arn:aws:ecs:us-east-1:1:service-deployment/prod/web/abc".into(),
            status: status.into(),
            status_reason: Some("ECS deployment circuit breaker: 3 tasks failed.".into()),
            ..ServiceDeployment::default()
        }
    }

    #[test]
    fn an_ended_service_deployment_gives_its_verdict_with_ecs_reason() {
        assert_eq!(
            service_deployment_ended(&sd("SUCCESSFUL")),
            Some(Verdict::Completed)
        );
        for status in ["ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"] {
            match service_deployment_ended(&sd(status)) {
                Some(Verdict::Failed(reason)) => assert!(
                    reason.contains("ECS deployment circuit breaker: 3 tasks failed."),
                    "{status}: {reason}"
                ),
                other => panic!("{status}: {other:?}"),
            }
        }
        for status in ["PENDING", "IN_PROGRESS", "ROLLBACK_IN_PROGRESS"] {
            assert_eq!(service_deployment_ended(&sd(status)), None, "{status}");
        }
    }

    #[test]
    fn an_ended_codedeploy_deployment_gives_its_verdict() {
        let mut deployment = CodeDeployDeployment {
            id: "d-1".into(),
            status: "Succeeded".into(),
            ..CodeDeployDeployment::default()
        };
        assert_eq!(codedeploy_ended(&deployment), Some(Verdict::Completed));
        deployment.status = "Failed".into();
        deployment.error_message = Some("health checks failed".into());
        match codedeploy_ended(&deployment) {
            Some(Verdict::Failed(reason)) => assert!(reason.contains("health checks failed")),
            other => panic!("{other:?}"),
        }
        deployment.status = "InProgress".into();
        assert_eq!(codedeploy_ended(&deployment), None);
    }
}
