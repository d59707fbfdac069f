//! `deploy --dry-run`: the task-definition diff, and the UpdateService request or the
//! CodeDeploy AppSpec each service would get; nothing is registered or changed.

use std::time::Instant;

use serde_json::Value;

use super::plan::{Action, Revision};
use super::update::update_request;
use crate::aws::{DeploymentGroup, ExpressUpdate};
use crate::cli::DeployArgs;
use crate::context::Context;
use crate::diff;
use crate::ecs::ServiceDescription;
use crate::follow::{self, Way};
use crate::output::{
    CodeDeployRequest, CommandResult, DeployDryRun, DeployStrategy, PinnedImage, PlannedDaemon,
    PlannedPrune, PlannedRevision, PlannedUpdate, ScheduledTarget,
};
use crate::report::Report;
use crate::task_definition::{Change, TaskDefinition};

/// The registration as people see it: values given with `--secret` are masked, as they are in
/// every output; everything else as ECS would get it.
fn shown_registration(definition: &TaskDefinition, secret_values: &[String]) -> Value {
    let mut registration = definition.registration();
    mask(&mut registration, secret_values);
    registration
}

/// Masks the values given with `--secret` wherever they are in `value`.
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
    /// Each Express service and its UpdateExpressGatewayService request.
    pub express: Vec<(&'a ServiceDescription, ExpressUpdate)>,
    /// The rule targets and schedules, each with the revision it would move to.
    pub scheduled_targets: Option<Vec<ScheduledTarget>>,
    /// `--daemon`: the UpdateDaemon requests.
    pub daemons: Vec<PlannedDaemon>,
    /// `--prune N`: what would be pruned after the deploy.
    pub prune: Option<PlannedPrune>,
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
        express,
        scheduled_targets,
        daemons,
        prune,
    } = run;
    let secret_values: Vec<String> = args
        .secrets
        .iter()
        .filter_map(|spec| match Change::secret(spec) {
            Ok(Change::Secret { value_from, .. }) => Some(value_from),
            _ => None,
        })
        .collect();
    let changes = revisions
        .iter()
        .map(|revision| planned(revision, &secret_values))
        .collect();
    let mut updates: Vec<PlannedUpdate> = services
        .iter()
        .enumerate()
        .map(|(i, service)| {
            let arn = revisions[revision_of(i)].arn_or_label();
            match &groups[i] {
                Some(group) => PlannedUpdate::CodeDeploy(CodeDeployRequest {
                    application_name: group.application.clone(),
                    deployment_group_name: group.name.clone(),
                    deployment_config_name: args.codedeploy_config.clone(),
                    app_spec_content: follow::appspec(service, &arn, hooks),
                }),
                None => PlannedUpdate::UpdateService(update_request(args, cluster, service, &arn)),
            }
        })
        .collect();
    for (_, request) in &express {
        let mut shown = request.clone();
        shown.0.values_mut().for_each(|v| mask(v, &secret_values));
        updates.push(PlannedUpdate::Express(shown));
    }
    let described = services.iter().chain(express.iter().map(|(s, _)| *s));
    context
        .progress
        .say("dry run: nothing was registered or updated");
    Report::of(CommandResult::DeployDryRun(DeployDryRun {
        command: "deploy",
        result: "dry_run",
        exit_code: 0,
        dry_run: true,
        cluster: cluster.to_string(),
        task_definitions: changes,
        updates,
        strategies: described
            .map(|s| DeployStrategy {
                service: s.service_name.clone(),
                deployment_controller: s.controller_name().to_string(),
                strategy: s.strategy_name().to_string(),
                followed: Way::describe(s),
            })
            .collect(),
        duration_seconds: (started.elapsed().as_millis() as f64) / 1000.0,
        scheduled_targets,
        auto_scaling: None,
        daemons: (!daemons.is_empty()).then_some(daemons),
        prune,
    }))
}

/// One task definition's fate: unchanged, reused or registered, with its diff.
fn planned(revision: &Revision, secret_values: &[String]) -> PlannedRevision {
    let pretty = |d: &TaskDefinition| {
        serde_json::to_string_pretty(&shown_registration(d, secret_values))
            .expect("JSON values serialize")
    };
    let before = revision.before.as_ref().map(pretty).unwrap_or_default();
    PlannedRevision {
        from: revision.label.clone(),
        action: match revision.action {
            Action::Unchanged => "unchanged",
            Action::Reuse => "reuse",
            Action::Register => "register",
        },
        task_definition: revision.target.as_ref().map(|t| t.arn().to_string()),
        family: revision.derived.family().to_string(),
        pinned: revision.pinned.iter().map(PinnedImage::from).collect(),
        registration: shown_registration(&revision.derived, secret_values),
        diff: diff::unified(&before, &pretty(&revision.derived), 3),
    }
}
