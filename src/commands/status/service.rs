//! One service's status, from what was read: pure, so each shape of service is unit-tested.

use crate::ecs::{
    self, arn_name, CodeDeployStatus, DeploymentStatus, HookStatus, ServiceDeployment,
    ServiceDescription,
};
use crate::follow::{self, Way};
use crate::output::{AutoScaling, DeploymentInProgress, EventLine, PendingAction, ServiceStatus};

use super::in_progress::{in_progress, replacement, service_deployment_to_describe};
use super::read::{Found, Scaling};

/// How many service events are shown, newest first.
pub const EVENTS: usize = 5;

/// Where `service` stands; `continue_command` is the command that resumes it, should it wait.
pub fn status(
    cluster: &str,
    region: &str,
    service: &ServiceDescription,
    found: &Found,
    continue_command: &str,
) -> ServiceStatus {
    let name = &service.service_name;
    let (deployment, pending_actions) = match Way::of(service) {
        Way::CodeDeploy | Way::External => codedeploy(service, found, continue_command),
        Way::Rolling | Way::Native | Way::Express => {
            ecs_controlled(service, found, continue_command)
        }
    };
    ServiceStatus {
        service: name.clone(),
        status: service.status.to_string(),
        deployment_controller: service.controller_name().to_string(),
        strategy: service.strategy_name().to_string(),
        task_definition: service.task_definition.clone(),
        revision: arn_name(&service.task_definition).to_string(),
        images: found
            .images
            .get(&service.task_definition)
            .cloned()
            .unwrap_or_default(),
        desired_count: service.desired_count,
        running_count: service.running_count,
        pending_count: service.pending_count,
        deployment,
        pending_actions,
        auto_scaling: auto_scaling(&found.scaling, cluster, name),
        events: service
            .events
            .iter()
            .take(EVENTS)
            .map(|e| EventLine {
                created_at: e.created_at.map(follow::utc),
                message: e.message.clone(),
            })
            .collect(),
        console_url: ecs::console_url(region, cluster, &format!("services/{name}/deployments")),
    }
}

/// The PRIMARY deployment in progress, and what its service deployment says: stage, traffic,
/// PAUSE hooks awaiting action.
fn ecs_controlled(
    service: &ServiceDescription,
    found: &Found,
    continue_command: &str,
) -> (Option<DeploymentInProgress>, Vec<PendingAction>) {
    if !in_progress(service) {
        return (None, vec![]);
    }
    let Some(primary) = service
        .deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)
    else {
        return (None, vec![]);
    };
    let described = service_deployment_to_describe(service)
        .and_then(|arn| found.service_deployments.iter().find(|d| d.arn == arn));
    let deployment = DeploymentInProgress {
        id: primary.id.clone(),
        service_deployment_arn: described.map(|d| d.arn.clone()),
        status: match described {
            Some(d) => d.status.to_string(),
            None => primary
                .rollout_state
                .clone()
                .unwrap_or_else(|| "IN_PROGRESS".into()),
        },
        lifecycle_stage: described.and_then(|d| d.lifecycle_stage.clone()),
        traffic_shifted_percent: described
            .and_then(|d| d.target.as_ref())
            .and_then(|t| t.production_traffic_weight),
        task_definition: primary.task_definition.clone(),
        started_at: primary.created_at.map(follow::utc),
    };
    let pauses = described
        .map(|d| paused_hooks(d, continue_command))
        .unwrap_or_default();
    (Some(deployment), pauses)
}

/// Each PAUSE hook awaiting action, with the exact command that resumes it (`--hook` when
/// several wait, as `continue` then asks for one).
fn paused_hooks(deployment: &ServiceDeployment, continue_command: &str) -> Vec<PendingAction> {
    let waiting: Vec<_> = deployment
        .hooks
        .iter()
        .filter(|h| h.status == HookStatus::AwaitingAction)
        .collect();
    let several = waiting.len() > 1;
    waiting
        .into_iter()
        .map(|hook| PendingAction {
            hook_id: Some(hook.hook_id.clone()),
            stage: deployment.lifecycle_stage.clone().unwrap_or_default(),
            expires_at: hook.expires_at.map(follow::utc),
            timeout_action: hook.timeout_action.clone(),
            continue_command: match several {
                true => format!("{continue_command} --hook {}", hook.hook_id),
                false => continue_command.to_string(),
            },
        })
        .collect()
}

/// The replacement task set's CodeDeploy deployment; at Ready it waits for someone to reroute.
fn codedeploy(
    service: &ServiceDescription,
    found: &Found,
    continue_command: &str,
) -> (Option<DeploymentInProgress>, Vec<PendingAction>) {
    let Some(set) = replacement(service) else {
        return (None, vec![]);
    };
    let id = set.external_id.clone().unwrap_or_else(|| set.id.clone());
    let described = found.codedeploy.iter().find(|d| d.id == id);
    let deployment = DeploymentInProgress {
        status: described.map_or_else(|| set.status.to_string(), |d| d.status.to_string()),
        task_definition: set.task_definition.clone(),
        started_at: set.created_at.map(follow::utc),
        id,
        ..DeploymentInProgress::default()
    };
    let ready = described.is_some_and(|d| d.status == CodeDeployStatus::Ready)
        && Way::of(service) == Way::CodeDeploy;
    let actions = match ready {
        true => vec![PendingAction {
            hook_id: None,
            stage: CodeDeployStatus::Ready.to_string(),
            expires_at: None,
            timeout_action: None,
            continue_command: continue_command.to_string(),
        }],
        false => vec![],
    };
    (Some(deployment), actions)
}

fn auto_scaling(scaling: &Scaling, cluster: &str, service: &str) -> AutoScaling {
    let id = crate::aws::service_resource_id(cluster, service);
    match scaling {
        Scaling::Unreadable(reason) => AutoScaling::Unknown {
            reason: reason.clone(),
        },
        Scaling::Targets(targets) => match targets.iter().find(|t| t.resource_id == id) {
            None => AutoScaling::None,
            Some(target) => AutoScaling::Registered {
                min: target.min,
                max: target.max,
                suspended: target.suspended,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::{Deployment, LifecycleHook};

    fn rolling(rollouts: &[&str]) -> ServiceDescription {
        ServiceDescription {
            service_name: "web".into(),
            deployments: rollouts
                .iter()
                .map(|r| Deployment {
                    status: DeploymentStatus::Primary,
                    rollout_state: Some(r.to_string()),
                    ..Deployment::default()
                })
                .collect(),
            current_service_deployment: Some("sd-arn".into()),
            ..ServiceDescription::default()
        }
    }

    #[test]
    fn only_a_service_with_a_deployment_in_progress_has_its_service_deployment_described() {
        assert_eq!(
            service_deployment_to_describe(&rolling(&["COMPLETED"])),
            None
        );
        assert_eq!(
            service_deployment_to_describe(&rolling(&["IN_PROGRESS"])),
            Some("sd-arn")
        );
        // An old deployment still draining tasks: still in progress.
        assert_eq!(
            service_deployment_to_describe(&rolling(&["COMPLETED", "COMPLETED"])),
            Some("sd-arn")
        );
    }

    #[test]
    fn several_hooks_waiting_each_get_a_continue_command_naming_the_hook() {
        let hook = |id: &str, status: &str| LifecycleHook {
            hook_id: id.into(),
            status: status.into(),
            ..LifecycleHook::default()
        };
        let mut deployment = ServiceDeployment {
            lifecycle_stage: Some("POST_SCALE_UP".into()),
            hooks: vec![
                hook("h1", "AWAITING_ACTION"),
                hook("h2", "SUCCEEDED"),
                hook("h3", "AWAITING_ACTION"),
            ],
            ..ServiceDeployment::default()
        };
        let commands: Vec<String> = paused_hooks(&deployment, "ecs-ship continue --service web")
            .into_iter()
            .map(|a| a.continue_command)
            .collect();
        assert_eq!(
            commands,
            [
                "ecs-ship continue --service web --hook h1",
                "ecs-ship continue --service web --hook h3"
            ]
        );
        deployment.hooks.truncate(2);
        let one = paused_hooks(&deployment, "ecs-ship continue --service web");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].continue_command, "ecs-ship continue --service web");
        assert_eq!(one[0].stage, "POST_SCALE_UP");
    }
}
