//! Every view of a command's result. A command returns one typed [`crate::report::Report`];
//! each module here renders it for one audience and none reads another's output back:
//! `human` (stdout lines), `json` (`--output json`), `slack` (the `--notify` message),
//! `github_output` (`--github-output`), `summary` (the Markdown job summary). `progress` is the
//! live view on stderr while a command runs.

pub mod github_output;
pub mod human;
pub mod json;
pub mod progress;
pub mod slack;
pub mod summary;

use crate::output::{AutoScalingResult, DeployResult, PruneResult};

/// What a deploy did around its services, a line each: every scalable target it suspended,
/// restored or bounded, and the prune after it. The summary and Slack list them.
fn deploy_notes(deploy: &DeployResult) -> Vec<String> {
    let scaling = deploy.auto_scaling.iter().flatten();
    let prune = deploy.prune.as_ref().map(PruneResult::headline);
    scaling.map(AutoScalingResult::line).chain(prune).collect()
}

/// Results as commands build them, for the renderers' tests.
#[cfg(test)]
pub mod fixtures {
    use crate::output::{
        ContainerResult, DeployResult, OneOrMany, RunTaskResult, ServiceResult, TaskResult,
    };

    pub const WEB_8: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8";
    pub const WORKER_3: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/worker:3";

    /// A run-task that succeeded, one task per ARN.
    pub fn run_task(arns: &[&str]) -> RunTaskResult {
        RunTaskResult {
            command: "run-task",
            result: "succeeded".into(),
            exit_code: 0,
            reason: None,
            cluster: "prod".into(),
            region: "us-east-1".into(),
            task_definition: WEB_8.into(),
            tasks: arns
                .iter()
                .map(|arn| TaskResult {
                    task_arn: arn.to_string(),
                    last_status: "STOPPED".into(),
                    stop_code: Some("EssentialContainerExited".into()),
                    stopped_reason: Some("Essential container in task exited".into()),
                    containers: vec![ContainerResult {
                        name: "app".into(),
                        exit_code: Some(0),
                        reason: None,
                    }],
                    console_url: format!("https://console.aws.amazon.com/ecs/{arn}"),
                })
                .collect(),
            duration_seconds: 42.5,
        }
    }

    /// A deploy that succeeded: (service, task definition) each.
    pub fn deploy(services: &[(&str, &str)]) -> DeployResult {
        let arns: Vec<String> = services.iter().map(|(_, td)| td.to_string()).collect();
        DeployResult {
            command: "deploy",
            result: "succeeded",
            exit_code: 0,
            reason: None,
            cluster: "prod".into(),
            region: "us-east-1".into(),
            task_definition: OneOrMany::from(arns),
            pinned_images: vec![],
            services: services
                .iter()
                .map(|(name, td)| service(name, td))
                .collect(),
            api_calls: 7,
            duration_seconds: 95.0,
            scheduled_targets: None,
            auto_scaling: None,
            prune: None,
            daemons: None,
        }
    }

    /// Daemon `name`, deployed to `agent:4` with `result`.
    pub fn daemon(name: &str, result: &str) -> crate::output::DaemonResult {
        crate::output::DaemonResult {
            daemon: name.into(),
            daemon_arn: format!("arn:aws:ecs:us-east-1:123456789012:daemon/prod/{name}"),
            result: result.into(),
            reason: (result != "succeeded").then(|| "alarms triggered: agent-errors".into()),
            deployment_arn: "arn:aws:ecs:us-east-1:123456789012:daemon-deployment/prod/agent/d2"
                .into(),
            deployment_status: None,
            daemon_task_definition:
                "arn:aws:ecs:us-east-1:123456789012:daemon-task-definition/agent:4".into(),
            previous_daemon_task_definition:
                "arn:aws:ecs:us-east-1:123456789012:daemon-task-definition/agent:3".into(),
            capacity_providers: vec![],
            triggered_alarms: vec![],
            circuit_breaker_failures: None,
            rollback_reason: None,
        }
    }

    /// `web` on its scalable target (min 2, max 10), suspended during the deploy and restored.
    pub fn auto_scaling_restored() -> crate::output::AutoScalingResult {
        crate::output::AutoScalingResult {
            service: "web".into(),
            resource_id: Some("service/prod/web".into()),
            min: Some(2),
            max: Some(10),
            previous_min: None,
            previous_max: None,
            found_suspended: Some(crate::aws::SuspendedState::default()),
            suspension: crate::output::Suspension::Restored,
            restore_error: None,
            restore_command: None,
        }
    }

    /// `deploy --prune 3 --delete` that deregistered and deleted 4 revisions of `web`.
    pub fn pruned() -> crate::output::PruneResult {
        crate::output::PruneResult {
            command: "prune",
            result: "succeeded",
            exit_code: 0,
            reason: None,
            cluster: "prod".into(),
            region: "us-east-1".into(),
            keep: 3,
            delete: true,
            dry_run: false,
            families: vec![],
            deregistered: 4,
            deleted: 4,
            failures: vec![],
            api_calls: 9,
            duration_seconds: 1.5,
        }
    }

    pub fn service(name: &str, task_definition: &str) -> ServiceResult {
        ServiceResult {
            service: name.into(),
            cluster: "prod".into(),
            deployment_id: format!("ecs-svc/{name}"),
            rollout_state: Some("COMPLETED".into()),
            result: "succeeded".into(),
            reason: None,
            desired_count: 2,
            running_count: 2,
            task_definition: task_definition.into(),
            previous_task_definition: task_definition.replace(":8", ":7"),
            rolled_back_to: None,
            rollback_result: None,
            console_url: format!("https://console.aws.amazon.com/ecs/services/{name}"),
            deployment_controller: "ECS".into(),
            strategy: "ROLLING".into(),
            service_deployment_arn: None,
            service_deployment_status: None,
            lifecycle_stage: None,
            paused: None,
            not_waited_for: None,
            codedeploy: None,
            endpoints: vec![],
        }
    }
}
