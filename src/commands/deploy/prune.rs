//! `deploy --prune N`: once the deploy ended well, prune the families it deployed, as
//! `ecs-ship prune --keep N` would (the revision just deployed is in use, so it stays). A prune
//! that fails is a warning: the deploy's result and exit code stay what they were.

use std::time::Instant;

use super::plan::Revision;
use crate::aws::Aws;
use crate::commands::prune::{self, Request};
use crate::context::Context;
use crate::output::{CommandResult, PlannedPrune};
use crate::report::Report;
use crate::scheduled::Reference;

/// What to prune after the deploy: `--prune N`, the task-definition families deployed (not the
/// daemons': daemon task definitions are their own resource type, which prune does not list),
/// the rules and schedules named (their targets now run the new revision).
pub struct AfterDeploy {
    keep: Option<u32>,
    families: Vec<String>,
    references: Vec<Reference>,
}

impl AfterDeploy {
    pub fn new(keep: Option<u32>, revisions: &[Revision], references: Vec<Reference>) -> Self {
        let mut families: Vec<String> = vec![];
        let task_definitions = revisions.iter().filter(|r| !r.derived.is_daemon());
        for family in task_definitions.map(|r| r.derived.family()) {
            if !families.iter().any(|f| f == family) {
                families.push(family.to_string());
            }
        }
        AfterDeploy {
            keep,
            families,
            references,
        }
    }

    /// What the dry run says of it: the families, and the command that previews the prune.
    pub fn plan(&self, context: &Context, cluster: &str) -> Option<PlannedPrune> {
        let keep = self.keep.filter(|_| !self.families.is_empty())?;
        let mut preview = context.command_line("prune", cluster);
        preview.push_str(&format!(" --keep {keep}"));
        for family in &self.families {
            preview.push_str(&format!(" --family {family}"));
        }
        for reference in &self.references {
            preview.push_str(&format!(
                " --{} {}",
                reference.kind.word(),
                reference.path()
            ));
        }
        preview.push_str(" --dry-run");
        Some(PlannedPrune {
            keep,
            families: self.families.clone(),
            preview,
        })
    }

    /// `report` with the prune's result in it, when `--prune` was given and the deploy ended
    /// well (succeeded, paused at a hook, or started with --no-wait: every revision a
    /// deployment uses is in use, so none of them goes).
    pub async fn run(
        self,
        context: &Context,
        aws: &Aws,
        cluster: &str,
        mut report: Report,
    ) -> Report {
        let Some(keep) = self.keep else {
            return report;
        };
        let progress = &context.progress;
        if report.failure.is_some() {
            progress.say("--prune: the deploy did not succeed; nothing pruned");
            return report;
        }
        if self.families.is_empty() {
            progress
                .say("--prune: daemon task definitions are not pruned; nothing else was deployed");
            return report;
        }
        let request = Request {
            keep,
            services: vec![],
            families: self.families,
            references: self.references,
            delete: false,
            dry_run: false,
        };
        match prune::prune(context, aws, cluster, &request, Instant::now()).await {
            Ok(pruned) => {
                if let Some(reason) = pruned.reason.as_ref().filter(|_| pruned.exit_code != 0) {
                    progress.warn(format_args!(
                        "--prune: {reason} (the deploy itself succeeded)"
                    ));
                }
                if let CommandResult::Deploy(deploy) = &mut report.result {
                    deploy.prune = Some(pruned);
                }
            }
            Err(error) => progress.warn(format_args!(
                "--prune failed: {error} (the deploy itself succeeded)"
            )),
        }
        report
    }
}
