//! `prune` (and `deploy --prune`): what became of each ACTIVE revision of each family, and why
//! every one that stays stays (`docs/schema/prune.v1.json`).

use serde::Serialize;

#[derive(Serialize, Debug, Clone)]
pub struct PruneResult {
    /// Always `prune`.
    pub command: &'static str,
    /// `succeeded`, `dry_run` or `failed` (a deregistration or deletion refused).
    pub result: &'static str,
    pub exit_code: i32,
    pub reason: Option<String>,
    pub cluster: String,
    pub region: String,
    /// `--keep`: how many of the newest ACTIVE revisions of each family stay.
    pub keep: u32,
    /// `--delete`: deregistered revisions are deleted too.
    pub delete: bool,
    pub dry_run: bool,
    pub families: Vec<FamilyPrune>,
    /// How many revisions were (or, in a dry run, would be) deregistered.
    pub deregistered: usize,
    /// How many of them were (or would be) deleted.
    pub deleted: usize,
    /// Each revision AWS refused to deregister or delete, by name.
    pub failures: Vec<PruneFailure>,
    pub api_calls: usize,
    pub duration_seconds: f64,
}

/// `deploy --dry-run --prune N`: what the deploy would prune once it ended well. Which
/// revisions go is known only then (the new revision counts among the newest, the old one may
/// no longer be in use): `preview` is the command that says it.
#[derive(Serialize, Debug, Clone)]
pub struct PlannedPrune {
    pub keep: u32,
    pub families: Vec<String>,
    pub preview: String,
}

impl PlannedPrune {
    /// `after the deploy: would prune web, worker to their newest 3 revisions and those in use
    /// (preview it then: ecs-ship prune …)`.
    pub fn line(&self) -> String {
        format!(
            "after the deploy: would prune {} to their newest {} revisions and those in use (preview it then: {})",
            self.families.join(", "),
            self.keep,
            self.preview
        )
    }
}

/// The ACTIVE revisions of one family, newest first.
#[derive(Serialize, Debug, Clone)]
pub struct FamilyPrune {
    pub family: String,
    pub revisions: Vec<RevisionPrune>,
}

#[derive(Serialize, Debug, Clone)]
pub struct RevisionPrune {
    /// The revision's ARN.
    pub task_definition: String,
    pub revision: u32,
    pub action: PruneAction,
    /// Why it stays: among the newest N, or in use (every use found is listed).
    pub kept_because: Vec<KeptBecause>,
    /// Why AWS refused it (`failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PruneAction {
    Kept,
    Deregistered,
    /// Deregistered, then deleted (`--delete`).
    Deleted,
    WouldDeregister,
    WouldDelete,
    Failed,
}

/// One reason a revision stays.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct KeptBecause {
    pub kind: UseKind,
    /// `newest 3`, the service's name, the task's id, `BUS/RULE target ID`, `GROUP/SCHEDULE`.
    pub name: String,
}

#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UseKind {
    Newest,
    Service,
    Task,
    Rule,
    Schedule,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct PruneFailure {
    pub task_definition: String,
    /// `DeregisterTaskDefinition` or `DeleteTaskDefinitions`.
    pub operation: &'static str,
    pub reason: String,
}

impl PruneResult {
    /// `pruned: 12 revision(s) deregistered, 12 deleted`, the dry run's `… would be …`, or
    /// what was pruned and why some were not.
    pub fn headline(&self) -> String {
        let deleted = |done: &str| match self.delete {
            true => format!(", {} {done}", self.deleted),
            false => String::new(),
        };
        if self.dry_run {
            return format!(
                "dry run: {} revision(s) would be deregistered{}; nothing was changed",
                self.deregistered,
                deleted("would be deleted")
            );
        }
        let done = format!(
            "pruned: {} revision(s) deregistered{}",
            self.deregistered,
            deleted("deleted")
        );
        match self.reason.as_deref().filter(|_| self.exit_code != 0) {
            Some(reason) => format!("{done}; {reason}"),
            None => done,
        }
    }
}

impl KeptBecause {
    /// `newest 3`, `in use by service web`, `in use by task 0abc…`.
    pub fn describe(&self) -> String {
        let word = match self.kind {
            UseKind::Newest => return self.name.clone(),
            UseKind::Service => "service",
            UseKind::Task => "task",
            UseKind::Rule => "rule",
            UseKind::Schedule => "schedule",
        };
        format!("in use by {word} {}", self.name)
    }
}

impl PruneAction {
    pub fn describe(self) -> &'static str {
        match self {
            PruneAction::Kept => "kept",
            PruneAction::Deregistered => "deregistered",
            PruneAction::Deleted => "deregistered and deleted",
            PruneAction::WouldDeregister => "would be deregistered",
            PruneAction::WouldDelete => "would be deregistered and deleted",
            PruneAction::Failed => "failed",
        }
    }
}

impl RevisionPrune {
    /// `web:9  kept: newest 3; in use by service web`: one line of the human view.
    pub fn line(&self, family: &str) -> String {
        let name = format!("{family}:{}", self.revision);
        let action = self.action.describe();
        match (&self.reason, self.kept_because.is_empty()) {
            (Some(reason), _) => format!("{name}  {action}: {reason}"),
            (None, true) => format!("{name}  {action}"),
            (None, false) => {
                let why: Vec<String> = self
                    .kept_because
                    .iter()
                    .map(KeptBecause::describe)
                    .collect();
                format!("{name}  {action}: {}", why.join("; "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_says_what_went_what_would_go_and_what_was_refused() {
        let mut result = crate::render::fixtures::pruned();
        assert_eq!(
            result.headline(),
            "pruned: 4 revision(s) deregistered, 4 deleted"
        );
        result.delete = false;
        result.exit_code = 1;
        result.reason =
            Some("1 revision(s) not pruned: web:2 (DeregisterTaskDefinition: nope)".into());
        assert_eq!(
            result.headline(),
            "pruned: 4 revision(s) deregistered; 1 revision(s) not pruned: web:2 (DeregisterTaskDefinition: nope)"
        );
        result.dry_run = true;
        result.delete = true;
        assert_eq!(
            result.headline(),
            "dry run: 4 revision(s) would be deregistered, 4 would be deleted; nothing was changed"
        );
    }

    #[test]
    fn a_kept_revision_says_every_reason_and_a_failed_one_why() {
        let mut revision = RevisionPrune {
            task_definition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:9".into(),
            revision: 9,
            action: PruneAction::Kept,
            kept_because: vec![
                KeptBecause {
                    kind: UseKind::Newest,
                    name: "newest 3".into(),
                },
                KeptBecause {
                    kind: UseKind::Service,
                    name: "web".into(),
                },
            ],
            reason: None,
        };
        assert_eq!(
            revision.line("web"),
            "web:9  kept: newest 3; in use by service web"
        );
        revision.action = PruneAction::Failed;
        revision.kept_because.clear();
        revision.reason = Some("ClientException: nope".into());
        assert_eq!(revision.line("web"), "web:9  failed: ClientException: nope");
        assert_eq!(
            serde_json::to_value(PruneAction::WouldDeregister).unwrap(),
            "would_deregister"
        );
    }
}
