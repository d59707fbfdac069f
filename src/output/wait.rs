//! `wait`: the deployment followed on each service and its verdict
//! (`docs/schema/wait.v1.json`). It is deploy's per-service result without what only a deploy
//! has (pinned images, scheduled targets, its own rollback), plus how each deployment was found.

use serde::Serialize;

use super::{CodeDeployResult, DeployResult, Paused, ServiceResult};

#[derive(Serialize, Debug)]
pub struct WaitResult {
    /// Always `wait`.
    pub command: &'static str,
    /// `succeeded`, `paused` (at a lifecycle hook), `failed`, `timed_out`, `cancelled`.
    pub result: &'static str,
    pub exit_code: i32,
    pub reason: Option<String>,
    pub cluster: String,
    pub region: String,
    pub services: Vec<WaitedService>,
    pub api_calls: usize,
    pub duration_seconds: f64,
}

/// How the deployment followed was found.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Followed {
    /// In progress when wait looked.
    InProgress,
    /// Nothing was in progress: the latest deployment's verdict.
    Latest,
    /// `--deployment`.
    Named,
}

/// One service's deployment, as wait followed it.
#[derive(Serialize, Debug)]
pub struct WaitedService {
    pub service: String,
    pub followed: Followed,
    /// The ECS deployment (`ecs-svc/…`) or CodeDeploy deployment followed; empty when it is a
    /// service deployment (then `service_deployment_arn`).
    pub deployment_id: String,
    /// `succeeded`, `paused`, `failed`, `superseded`, `timed_out`, `cancelled`.
    pub result: String,
    pub reason: Option<String>,
    /// The revision the deployment rolls to (the service's, for a service deployment).
    pub task_definition: String,
    pub rollout_state: Option<String>,
    pub desired_count: i64,
    pub running_count: i64,
    pub console_url: String,
    pub deployment_controller: String,
    pub strategy: String,
    pub service_deployment_arn: Option<String>,
    pub service_deployment_status: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub paused: Option<Paused>,
    pub not_waited_for: Option<String>,
    pub codedeploy: Option<CodeDeployResult>,
}

impl WaitedService {
    fn new(service: ServiceResult, followed: Followed) -> Self {
        WaitedService {
            service: service.service,
            followed,
            deployment_id: service.deployment_id,
            result: service.result,
            reason: service.reason,
            task_definition: service.task_definition,
            rollout_state: service.rollout_state,
            desired_count: service.desired_count,
            running_count: service.running_count,
            console_url: service.console_url,
            deployment_controller: service.deployment_controller,
            strategy: service.strategy,
            service_deployment_arn: service.service_deployment_arn,
            service_deployment_status: service.service_deployment_status,
            lifecycle_stage: service.lifecycle_stage,
            paused: service.paused,
            not_waited_for: service.not_waited_for,
            codedeploy: service.codedeploy,
        }
    }
}

impl WaitResult {
    /// The result of following each service's deployment as deploy follows its own
    /// (`followed[i]`: how service `i`'s was found).
    pub fn new(followed_as_deploy: DeployResult, followed: &[Followed]) -> Self {
        let deploy = followed_as_deploy;
        WaitResult {
            command: "wait",
            result: deploy.result,
            exit_code: deploy.exit_code,
            reason: deploy.reason,
            cluster: deploy.cluster,
            region: deploy.region,
            services: deploy
                .services
                .into_iter()
                .zip(followed)
                .map(|(service, how)| WaitedService::new(service, *how))
                .collect(),
            api_calls: deploy.api_calls,
            duration_seconds: deploy.duration_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures;

    #[test]
    fn a_wait_result_keeps_each_service_and_how_it_was_found_and_drops_deploy_only_fields() {
        let deploy = fixtures::deploy(&[("web", fixtures::WEB_8), ("worker", fixtures::WORKER_3)]);
        let wait = WaitResult::new(deploy, &[Followed::InProgress, Followed::Latest]);
        let json = serde_json::to_value(&wait).unwrap();
        assert_eq!(json["command"], "wait");
        assert_eq!(json["services"][0]["followed"], "in_progress");
        assert_eq!(json["services"][1]["followed"], "latest");
        assert_eq!(json["services"][1]["task_definition"], fixtures::WORKER_3);
        for absent in ["pinned_images", "scheduled_targets", "task_definition"] {
            assert!(json.get(absent).is_none(), "{absent}");
        }
        for absent in [
            "rolled_back_to",
            "rollback_result",
            "previous_task_definition",
        ] {
            assert!(json["services"][0].get(absent).is_none(), "{absent}");
        }
    }
}
