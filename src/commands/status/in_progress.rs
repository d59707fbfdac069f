//! Whether a deployment is in progress on a service, and which one: what `read` asks AWS
//! about and what `service` reports, decided from DescribeServices alone.

use crate::ecs::{DeploymentStatus, ServiceDescription, TaskSetState};
use crate::follow::Way;

/// A deployment runs: ECS shows more than one deployment (or task set), or one still rolling.
pub fn in_progress(service: &ServiceDescription) -> bool {
    match Way::of(service) {
        Way::CodeDeploy | Way::External => service.task_sets.len() > 1,
        Way::Rolling | Way::Native | Way::Express => {
            service.deployments.len() > 1
                || service
                    .deployments
                    .iter()
                    .any(|d| d.rollout_state.as_deref() == Some("IN_PROGRESS"))
        }
    }
}

/// The service deployment to describe: only of an ECS-controlled service with one in progress.
pub fn service_deployment_to_describe(service: &ServiceDescription) -> Option<&str> {
    match Way::of(service) {
        Way::Rolling | Way::Native | Way::Express if in_progress(service) => {
            service.current_service_deployment.as_deref()
        }
        _ => None,
    }
}

/// The task set a CodeDeploy deployment in progress brings in: the newest one not PRIMARY.
pub fn replacement(service: &ServiceDescription) -> Option<&TaskSetState> {
    if !in_progress(service) {
        return None;
    }
    service
        .task_sets
        .iter()
        .filter(|t| t.status != DeploymentStatus::Primary)
        .max_by(|a, b| {
            a.created_at
                .partial_cmp(&b.created_at)
                .unwrap_or(std::cmp::Ordering::Equal)
        })
}

/// The CodeDeploy deployment to ask about: only of a CODE_DEPLOY service with one in progress.
pub fn codedeploy_deployment_id(service: &ServiceDescription) -> Option<&str> {
    match Way::of(service) {
        Way::CodeDeploy => replacement(service)?.external_id.as_deref(),
        _ => None,
    }
}
