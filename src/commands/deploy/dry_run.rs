//! `deploy --dry-run`: the task-definition diff, and the UpdateService request or the
//! CodeDeploy AppSpec each service would get; nothing is registered or changed.

use std::time::Instant;

use serde_json::{json, Value};

use super::plan::{Action, Revision};
use super::update::update_request;
use crate::aws::DeploymentGroup;
use crate::cli::DeployArgs;
use crate::context::Context;
use crate::diff;
use crate::ecs::ServiceDescription;
use crate::follow::{self, Way};
use crate::output::{self, DeployDryRun, DeployStrategy, PlannedRevision};
use crate::report::Report;
use crate::task_definition::{Change, TaskDefinition};

/// The registration as people see it: values given with `--secret` are masked, as they are in
/// every output; everything else as ECS would get it.
fn shown_registration(definition: &TaskDefinition, secret_values: &[String]) -> Value {
    fn mask(value: &mut Value, secret_values: &[String]) {
        match value {
            Value::String(text) if secret_values.contains(text) => {
                *text = "[redacted --secret value]".into();
            }
            Value::Array(items) => items.iter_mut().for_each(|v| mask(v, secret_values)),
            Value::Object(map) => map.values_mut().for_each(|v| mask(v, secret_values)),
            _ => {}
        }
    }
    let mut registration = definition.registration();
    mask(&mut registration, secret_values);
    registration
}

/// What a dry run knows: everything up to the first call that would change AWS.
pub struct DryRun<'a> {
    pub context: &'a Context,
    pub args: &'a DeployArgs,
    pub cluster: &'a str,
    pub services: &'a [ServiceDescription],
    pub revisions: &'a [Revision],
    pub revision_of: &'a dyn Fn(usize) -> usize,
    /// The CodeDeploy deployment group of each CODE_DEPLOY service.
    pub groups: &'a [Option<DeploymentGroup>],
    pub hooks: &'a [(String, String)],
    pub started: Instant,
}

pub fn report(run: DryRun<'_>) -> Report {
    let DryRun {
        context,
        args,
        cluster,
        services,
        revisions,
        revision_of,
        groups,
        hooks,
        started,
    } = run;
    let mut lines = vec![];
    let mut changes = vec![];
    let secret_values: Vec<String> = args
        .secrets
        .iter()
        .filter_map(|spec| match Change::secret(spec) {
            Ok(Change::Secret { value_from, .. }) => Some(value_from),
            _ => None,
        })
        .collect();
    for revision in revisions {
        let what = match revision.action {
            Action::Unchanged => format!("task definition {}: unchanged", revision.label),
            Action::Reuse => format!(
                "task definition {}: would reuse {} (identical)",
                revision.label,
                revision
                    .target
                    .as_ref()
                    .map(TaskDefinition::name)
                    .unwrap_or_default()
            ),
            Action::Register => format!(
                "task definition {}: would register a new revision of {}",
                revision.label,
                revision.derived.family()
            ),
        };
        lines.push(what);
        for pin in &revision.pinned {
            lines.push(format!(
                "  pin {}: {} -> {}",
                pin.container, pin.from, pin.to
            ));
        }
        let pretty = |d: &TaskDefinition| {
            serde_json::to_string_pretty(&shown_registration(d, &secret_values))
                .expect("JSON values serialize")
        };
        let before = revision.before.as_ref().map(pretty).unwrap_or_default();
        let diff = diff::unified(&before, &pretty(&revision.derived), 3);
        lines.extend(diff.lines().map(str::to_string));
        changes.push(PlannedRevision {
            from: revision.label.clone(),
            action: match revision.action {
                Action::Unchanged => "unchanged",
                Action::Reuse => "reuse",
                Action::Register => "register",
            },
            task_definition: revision.target.as_ref().map(|t| t.arn().to_string()),
            registration: shown_registration(&revision.derived, &secret_values),
            diff,
        });
    }
    let mut updates = vec![];
    for (i, service) in services.iter().enumerate() {
        let arn = revisions[revision_of(i)].arn_or_label();
        lines.push(format!(
            "service {}: deploys {}",
            service.service_name,
            Way::describe(service)
        ));
        if let Some(group) = &groups[i] {
            let spec = follow::appspec(service, &arn, hooks);
            lines.push(format!(
                "service {}: would call CreateDeployment of application {}, group {}{} with AppSpec {spec}",
                service.service_name,
                group.application,
                group.name,
                args.codedeploy_config
                    .as_ref()
                    .map(|c| format!(", config {c}"))
                    .unwrap_or_default()
            ));
            updates.push(json!({
                "applicationName": group.application,
                "deploymentGroupName": group.name,
                "deploymentConfigName": args.codedeploy_config,
                "appSpecContent": spec,
            }));
            continue;
        }
        let request = update_request(args, cluster, service, &arn);
        lines.push(format!(
            "service {}: would call UpdateService {}",
            service.service_name,
            serde_json::to_string(&request).expect("JSON values serialize")
        ));
        updates.push(serde_json::to_value(&request).expect("requests serialize"));
    }
    context
        .progress
        .say("dry run: nothing was registered or updated");
    Report {
        json: output::to_value(&DeployDryRun {
            command: "deploy",
            result: "dry_run",
            exit_code: 0,
            dry_run: true,
            cluster: cluster.to_string(),
            task_definitions: changes,
            updates,
            strategies: services
                .iter()
                .map(|s| DeployStrategy {
                    service: s.service_name.clone(),
                    deployment_controller: s.controller_name().to_string(),
                    strategy: s.strategy_name().to_string(),
                })
                .collect(),
            duration_seconds: (started.elapsed().as_millis() as f64) / 1000.0,
        }),
        stdout: lines,
        ..Report::default()
    }
}
