//! The pure part of `prune`: which revisions of a family go, and why each other one stays.

use std::collections::HashMap;

use crate::ecs::arn_name;
use crate::output::{KeptBecause, PruneAction, RevisionPrune, UseKind};

/// Every use found, by revision name (`web:7`). A reference without a revision (`web`, as a
/// rule target may name it) is a use of the family's newest ACTIVE revision.
#[derive(Debug, Default)]
pub struct InUse(HashMap<String, Vec<KeptBecause>>);

impl InUse {
    /// `task_definition` (an ARN, `family:revision` or `family`) is used by `kind` `name`.
    pub fn add(&mut self, task_definition: &str, kind: UseKind, name: &str) {
        let uses = self
            .0
            .entry(arn_name(task_definition).to_string())
            .or_default();
        let reason = KeptBecause {
            kind,
            name: name.to_string(),
        };
        if !uses.contains(&reason) {
            uses.push(reason);
        }
    }

    fn of(&self, name: &str) -> &[KeptBecause] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }
}

/// The revision number of a task-definition ARN (`…/web:7` → 7).
pub fn revision_of(arn: &str) -> Option<u32> {
    arn_name(arn).rsplit_once(':')?.1.parse().ok()
}

/// The fate of each ACTIVE revision of `family` (`arns`, any order), newest first: the newest
/// `keep` stay, so does every one in use; the rest would be deregistered.
pub fn decide(family: &str, arns: &[String], keep: u32, in_use: &InUse) -> Vec<RevisionPrune> {
    let mut revisions: Vec<(u32, &String)> = arns
        .iter()
        .filter_map(|arn| Some((revision_of(arn)?, arn)))
        .collect();
    revisions.sort_by_key(|r| std::cmp::Reverse(r.0));
    revisions
        .into_iter()
        .enumerate()
        .map(|(position, (revision, arn))| {
            let mut kept_because = vec![];
            if position < keep as usize {
                kept_because.push(KeptBecause {
                    kind: UseKind::Newest,
                    name: format!("newest {keep}"),
                });
            }
            kept_because.extend_from_slice(in_use.of(&format!("{family}:{revision}")));
            if position == 0 {
                kept_because.extend_from_slice(in_use.of(family));
            }
            RevisionPrune {
                task_definition: arn.clone(),
                revision,
                action: if kept_because.is_empty() {
                    PruneAction::WouldDeregister
                } else {
                    PruneAction::Kept
                },
                kept_because,
                reason: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(name: &str) -> String {
        format!("arn:aws:ecs:us-east-1:123456789012:task-definition/{name}")
    }

    fn fates(revisions: &[RevisionPrune]) -> Vec<(u32, PruneAction, Vec<String>)> {
        revisions
            .iter()
            .map(|r| {
                let why = r.kept_because.iter().map(KeptBecause::describe).collect();
                (r.revision, r.action, why)
            })
            .collect()
    }

    #[test]
    fn the_newest_n_and_every_revision_in_use_stay_whatever_their_age() {
        // Listed out of order, as pages may come.
        let arns: Vec<String> = [3, 10, 1, 2, 9, 4]
            .iter()
            .map(|r| arn(&format!("web:{r}")))
            .collect();
        let mut in_use = InUse::default();
        in_use.add(&arn("web:2"), UseKind::Task, "0abc");
        in_use.add(&arn("web:2"), UseKind::Task, "0abc");
        in_use.add("web:3", UseKind::Rule, "default/nightly target job");
        in_use.add(&arn("web:10"), UseKind::Service, "web");
        in_use.add(&arn("web-worker:1"), UseKind::Service, "worker");
        let decided = decide("web", &arns, 2, &in_use);
        use PruneAction::*;
        assert_eq!(
            fates(&decided),
            [
                (
                    10,
                    Kept,
                    vec!["newest 2".into(), "in use by service web".into()]
                ),
                (9, Kept, vec!["newest 2".into()]),
                (4, WouldDeregister, vec![]),
                (
                    3,
                    Kept,
                    vec!["in use by rule default/nightly target job".into()]
                ),
                (2, Kept, vec!["in use by task 0abc".into()]),
                (1, WouldDeregister, vec![]),
            ]
        );
        assert_eq!(decided[2].task_definition, arn("web:4"));
    }

    #[test]
    fn a_reference_by_family_alone_keeps_the_newest() {
        let mut in_use = InUse::default();
        in_use.add("web", UseKind::Schedule, "default/hourly");
        let decided = decide("web", &[arn("web:1"), arn("web:2")], 1, &in_use);
        assert_eq!(decided[0].kept_because.len(), 2);
        assert_eq!(decided[1].action, PruneAction::WouldDeregister);
        assert_eq!(revision_of(&arn("web:12")), Some(12));
    }
}
