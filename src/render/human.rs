//! Human output on stdout: only what people pipe onwards (ARNs, the digest, the password), or
//! the plan of a dry run. Progress and the verdict go to stderr as the command runs.

use crate::ecs::arn_name;
use crate::output::{
    CommandResult, DeployDryRun, PlannedPrune, PlannedUpdate, RunTaskDryRun, ScheduledTarget,
    TargetResult,
};

/// The stdout lines of a result.
pub fn lines(result: &CommandResult) -> Vec<String> {
    match result {
        CommandResult::RunTask(run) => run.tasks.iter().map(|t| t.task_arn.clone()).collect(),
        CommandResult::RunTaskDryRun(plan) => run_task_plan(plan),
        CommandResult::Deploy(deploy) => deploy.task_definition.as_slice().to_vec(),
        CommandResult::DeployDryRun(plan) => deploy_plan(plan),
        CommandResult::EcrLogin(login) => {
            // Without --docker the password is the result, as `aws ecr get-login-password`.
            vec![login
                .password
                .clone()
                .unwrap_or_else(|| login.registry.clone())]
        }
        CommandResult::EcrResolve(resolved) => vec![resolved.digest.clone()],
        CommandResult::IamPolicy(policy) => {
            vec![serde_json::to_string_pretty(policy).expect("JSON values serialize")]
        }
        // The checklist is the result.
        CommandResult::Verify(verify) => verify.subjects.iter().flat_map(|s| s.lines()).collect(),
        // One compact table per service.
        CommandResult::Status(status) => status.services.iter().flat_map(|s| s.lines()).collect(),
        // The revision each service rolls to (or runs), as deploy prints its own.
        CommandResult::Wait(wait) => {
            let mut arns: Vec<String> = vec![];
            for service in &wait.services {
                if !arns.contains(&service.task_definition) {
                    arns.push(service.task_definition.clone());
                }
            }
            arns
        }
        // What went and why the rest stays, revision by revision.
        CommandResult::Prune(prune) => prune
            .families
            .iter()
            .flat_map(|f| f.revisions.iter().map(|r| r.line(&f.family)))
            .collect(),
        CommandResult::Notify(_) | CommandResult::Error(_) | CommandResult::None => vec![],
    }
}

fn run_task_plan(plan: &RunTaskDryRun) -> Vec<String> {
    let mut lines = vec![];
    if let Some(diff) = &plan.diff {
        lines.push(format!(
            "task definition {}: would register a new revision of {}",
            arn_name(&plan.from),
            plan.family
        ));
        lines.extend(diff.lines().map(str::to_string));
    } else if plan.task_definition != plan.from {
        lines.push(format!(
            "task definition {}: would reuse {} (identical)",
            arn_name(&plan.from),
            arn_name(&plan.task_definition)
        ));
    }
    lines.push(format!(
        "would call RunTask {}",
        serde_json::to_string(&plan.run_task).expect("JSON values serialize")
    ));
    lines
}

fn deploy_plan(plan: &DeployDryRun) -> Vec<String> {
    let mut lines = vec![];
    for revision in &plan.task_definitions {
        lines.push(match revision.action {
            "unchanged" => format!("task definition {}: unchanged", revision.from),
            "reuse" => format!(
                "task definition {}: would reuse {} (identical)",
                revision.from,
                arn_name(revision.task_definition.as_deref().unwrap_or_default())
            ),
            _ => format!(
                "task definition {}: would register a new revision of {}",
                revision.from, revision.family
            ),
        });
        for pin in &revision.pinned {
            lines.push(format!(
                "  pin {}: {} -> {}",
                pin.container, pin.from, pin.to
            ));
        }
        lines.extend(revision.diff.lines().map(str::to_string));
    }
    for (service, update) in plan.strategies.iter().zip(&plan.updates) {
        let name = &service.service;
        lines.push(format!("service {name}: deploys {}", service.followed));
        lines.push(match update {
            PlannedUpdate::CodeDeploy(request) => format!(
                "service {name}: would call CreateDeployment of application {}, group {}{} with AppSpec {}",
                request.application_name,
                request.deployment_group_name,
                request
                    .deployment_config_name
                    .as_ref()
                    .map(|c| format!(", config {c}"))
                    .unwrap_or_default(),
                request.app_spec_content
            ),
            PlannedUpdate::UpdateService(request) => format!(
                "service {name}: would call UpdateService {}",
                serde_json::to_string(request).expect("requests serialize")
            ),
            PlannedUpdate::Express(request) => format!(
                "service {name}: would call UpdateExpressGatewayService {}",
                serde_json::to_string(request).expect("requests serialize")
            ),
        });
    }
    let targets = plan.scheduled_targets.as_deref().unwrap_or_default();
    lines.extend(targets.iter().map(target_move));
    let scaling = plan.auto_scaling.iter().flatten();
    lines.extend(scaling.map(|target| format!("service {}", target.line())));
    for daemon in plan.daemons.iter().flatten() {
        lines.push(format!(
            "daemon {}: would call UpdateDaemon {}",
            daemon.daemon,
            serde_json::to_string(&daemon.update).expect("requests serialize")
        ));
    }
    lines.extend(plan.prune.as_ref().map(PlannedPrune::line));
    lines
}

/// `rule default/nightly target job: web:7 -> web:8`.
fn target_move(target: &ScheduledTarget) -> String {
    format!(
        "{}: {} -> {}{}",
        target.label(),
        arn_name(&target.previous_task_definition),
        arn_name(&target.task_definition),
        match target.result {
            TargetResult::Unchanged => " (unchanged)",
            _ => "",
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ServiceUpdate;
    use crate::output::{
        AutoScalingResult, CodeDeployRequest, DeployStrategy, PinnedImage, PlannedRevision,
        ScheduleKind, Suspension,
    };
    use crate::render::fixtures;

    fn strategy(service: &str, followed: &str) -> DeployStrategy {
        DeployStrategy {
            service: service.into(),
            deployment_controller: "ECS".into(),
            strategy: "ROLLING".into(),
            followed: followed.into(),
        }
    }

    #[test]
    fn a_deploy_plan_lists_revisions_pins_requests_and_targets() {
        let plan = DeployDryRun {
            command: "deploy",
            result: "dry_run",
            exit_code: 0,
            dry_run: true,
            cluster: "prod".into(),
            task_definitions: vec![PlannedRevision {
                from: "web:7".into(),
                action: "register",
                task_definition: None,
                family: "web".into(),
                pinned: vec![PinnedImage {
                    container: "app".into(),
                    from: "app:v2".into(),
                    to: "app@sha256:1".into(),
                }],
                registration: serde_json::json!({}),
                diff: "-a\n+b".into(),
            }],
            updates: vec![
                PlannedUpdate::UpdateService(ServiceUpdate {
                    cluster: "prod".into(),
                    service: "web".into(),
                    task_definition: "web (new revision)".into(),
                    desired_count: None,
                    force_new_deployment: false,
                }),
                PlannedUpdate::CodeDeploy(CodeDeployRequest {
                    application_name: "app".into(),
                    deployment_group_name: "group".into(),
                    deployment_config_name: None,
                    app_spec_content: serde_json::json!({"version": 0.0}),
                }),
            ],
            strategies: vec![strategy("web", "ROLLING"), strategy("api", "CODE_DEPLOY")],
            duration_seconds: 1.0,
            scheduled_targets: Some(vec![ScheduledTarget {
                kind: ScheduleKind::Schedule,
                name: "batch/nightly".into(),
                target_id: None,
                previous_task_definition: fixtures::WEB_8.into(),
                task_definition: fixtures::WEB_8.into(),
                result: TargetResult::Unchanged,
                reason: None,
                state: None,
            }]),
            auto_scaling: Some(vec![AutoScalingResult {
                service: "web".into(),
                resource_id: Some("service/prod/web".into()),
                min: Some(2),
                max: Some(10),
                previous_min: Some(1),
                previous_max: None,
                found_suspended: Some(crate::aws::SuspendedState::default()),
                suspension: Suspension::WouldSuspend,
                restore_error: None,
                restore_command: None,
            }]),
            daemons: None,
            prune: Some(PlannedPrune {
                keep: 3,
                families: vec!["web".into()],
                preview: "ecs-ship prune --cluster prod --keep 3 --family web --dry-run".into(),
            }),
        };
        assert_eq!(
            lines(&CommandResult::DeployDryRun(plan)),
            [
                "task definition web:7: would register a new revision of web",
                "  pin app: app:v2 -> app@sha256:1",
                "-a",
                "+b",
                "service web: deploys ROLLING",
                r#"service web: would call UpdateService {"cluster":"prod","service":"web","taskDefinition":"web (new revision)"}"#,
                "service api: deploys CODE_DEPLOY",
                r#"service api: would call CreateDeployment of application app, group group with AppSpec {"version":0.0}"#,
                "schedule batch/nightly: web:8 -> web:8 (unchanged)",
                "service web: would suspend auto scaling during the deploy (min 2, max 10)",
                "after the deploy: would prune web to their newest 3 revisions and those in use (preview it then: ecs-ship prune --cluster prod --keep 3 --family web --dry-run)",
            ]
        );
    }

    #[test]
    fn results_print_what_people_pipe_onwards() {
        let run = fixtures::run_task(&["arn:task/a", "arn:task/b"]);
        assert_eq!(
            lines(&CommandResult::RunTask(run)),
            ["arn:task/a", "arn:task/b"]
        );
        let deploy = fixtures::deploy(&[("web", fixtures::WEB_8), ("worker", fixtures::WORKER_3)]);
        assert_eq!(
            lines(&CommandResult::Deploy(deploy)),
            [fixtures::WEB_8, fixtures::WORKER_3]
        );
        assert!(lines(&CommandResult::None).is_empty());
    }
}
