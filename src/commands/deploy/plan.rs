//! What deploy was asked to do, checked before anything touches AWS: the changes to each
//! container, the orb's `container-image-name-updates`, the `--task-definition-file`; and the
//! revision each task definition becomes.

use serde_json::Value;

use crate::cli::DeployArgs;
use crate::ecr::Pinned;
use crate::error::{Error, Result};
use crate::image_update::{self, ImageUpdate};
use crate::task_definition::{Change, TaskDefinition};
use crate::template;

/// How each revision is derived: every flag checked, and the template file read, before
/// anything touches AWS.
pub struct Recipe {
    changes: Vec<Change>,
    image_updates: Vec<ImageUpdate>,
    pub source: Source,
}

pub enum Source {
    /// Derive from each service's live task definition.
    Live,
    /// `--task-definition FAMILY[:REV]|ARN`
    Reference(String),
    /// `--task-definition-file`, expanded and parsed.
    File {
        path: String,
        definition: TaskDefinition,
    },
}

impl Recipe {
    pub fn from_args(args: &DeployArgs) -> Result<Self> {
        let (mut changes, image_updates) =
            image_update::parse_flags(&args.images, args.container_image_name_updates.as_deref())
                .map_err(Error::invalid_value)?;
        for spec in &args.set_env {
            changes.push(Change::set_env(spec).map_err(Error::invalid_value)?);
        }
        for spec in &args.unset_env {
            changes.push(Change::unset_env(spec).map_err(Error::invalid_value)?);
        }
        for spec in &args.secrets {
            changes.push(Change::secret(spec).map_err(Error::invalid_value)?);
        }
        image_update::conflicts(&changes, &image_updates)?;
        let source = match (&args.task_definition, &args.task_definition_file) {
            (Some(reference), _) => Source::Reference(reference.clone()),
            (None, Some(path)) => Source::File {
                path: path.display().to_string(),
                definition: read_task_definition_file(&path.display().to_string())?,
            },
            (None, None) => Source::Live,
        };
        Ok(Recipe {
            changes,
            image_updates,
            source,
        })
    }

    pub fn containers_named(&self) -> Vec<(&str, &'static str)> {
        let changes = self.changes.iter().map(|c| {
            let flag = match c {
                Change::Image { .. } => "--image",
                Change::SetEnv { .. } => "--set-env",
                Change::UnsetEnv { .. } => "--unset-env",
                Change::Secret { .. } => "--secret",
            };
            (c.container(), flag)
        });
        let updates = self
            .image_updates
            .iter()
            .map(|u| (u.container.as_str(), u.flag));
        changes.chain(updates).collect()
    }

    /// The revision `base` becomes, and the containers whose image was set (to pin).
    pub fn derive(&self, base: &TaskDefinition) -> Result<(TaskDefinition, Vec<String>)> {
        let mut derived = base.clone();
        let names = base.container_names();
        let mut imaged = vec![];
        for change in &self.changes {
            if !names.iter().any(|n| n == change.container()) {
                continue; // checked across all definitions by `check_containers`
            }
            derived.apply(change)?;
            if let Change::Image { container, .. } = change {
                imaged.push(container.clone());
            }
        }
        imaged.extend(image_update::apply_all(&mut derived, &self.image_updates)?);
        if matches!(self.source, Source::File { .. }) {
            imaged = names;
        }
        imaged.dedup();
        Ok((derived, imaged))
    }

    /// Every container a flag names must exist in at least one of the definitions (with one
    /// definition: in it), or nothing is changed.
    pub fn check_containers(&self, bases: &[TaskDefinition]) -> Result<()> {
        for (container, flag) in self.containers_named() {
            if !bases
                .iter()
                .any(|b| b.container_names().iter().any(|n| n == container))
            {
                return Err(match bases {
                    [only] => only
                        .require_container(container, flag)
                        .expect_err("container is missing"),
                    _ => Error::input(format!(
                        "{flag} names container `{container}`, which none of the task definitions ({}) has",
                        bases.iter().map(TaskDefinition::name).collect::<Vec<_>>().join(", ")
                    )),
                });
            }
        }
        Ok(())
    }
}

/// `--task-definition-file`: JSON (a RegisterTaskDefinition input, or DescribeTaskDefinition
/// output) with `${VAR}` taken from the environment. A file that is missing, too big or
/// malformed is a usage error (2), as `--overrides @FILE` is; a variable the environment lacks
/// is bad input (1).
fn read_task_definition_file(path: &str) -> Result<TaskDefinition> {
    let text = crate::read_file::to_string(path).map_err(|e| {
        Error::input(format!("--task-definition-file: cannot read {path}: {e}")).invalid_value()
    })?;
    let expanded = template::expand_env(&text).map_err(|e| {
        let unset = matches!(e.kind, template::TemplateErrorKind::Unknown(_));
        let error = Error::input_with_hint(
            format!("{path}: {e}"),
            "export the variable, or write $$ for a literal $",
        );
        if unset {
            error
        } else {
            error.invalid_value()
        }
    })?;
    parse_task_definition(path, &expanded).map_err(Error::invalid_value)
}

/// The expanded text of a `--task-definition-file`, as a task definition.
fn parse_task_definition(path: &str, expanded: &str) -> Result<TaskDefinition> {
    let value: Value = serde_json::from_str(expanded).map_err(|e| {
        Error::input(format!(
            "{path}: invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let definition = if value.get("taskDefinition").is_some() {
        TaskDefinition::from_response(value)?
    } else {
        let Value::Object(mut json) = value else {
            return Err(Error::input(format!(
                "{path}: a task definition must be a JSON object"
            )));
        };
        let tags = match json.remove("tags") {
            Some(Value::Array(tags)) => tags,
            _ => vec![],
        };
        TaskDefinition { json, tags }
    };
    if definition.family().is_empty() || !definition.json.contains_key("containerDefinitions") {
        return Err(Error::input(format!(
            "{path}: a task definition needs `family` and `containerDefinitions`"
        )));
    }
    if !definition.json["containerDefinitions"].is_array() {
        return Err(Error::input(format!(
            "{path}: `containerDefinitions` must be a list of container definitions"
        )));
    }
    Ok(definition)
}

// ---------------------------------------------------------------------------------------------
// Revisions: derive, pin, and register or reuse.

/// What happens to one task definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing changed: deploy it as it is.
    Unchanged,
    /// Identical to the family's latest revision, which is used.
    Reuse,
    /// A new revision (not yet registered in a dry run).
    Register,
}

pub struct Revision {
    /// Where it came from: a live or named definition, or the file.
    pub label: String,
    /// The definition it is compared with in the dry-run diff.
    pub before: Option<TaskDefinition>,
    pub derived: TaskDefinition,
    pub action: Action,
    /// The revision services are pointed at (for `Register`, set once registered).
    pub target: Option<TaskDefinition>,
    pub pinned: Vec<Pinned>,
}

impl Revision {
    /// The revision's ARN; `None` for a new revision not registered yet.
    pub fn arn(&self) -> Option<&str> {
        self.target.as_ref().map(TaskDefinition::arn)
    }

    /// The ARN, or in a dry run, `FAMILY (new revision)` for one that would be registered.
    pub fn arn_or_label(&self) -> String {
        match self.arn() {
            Some(arn) => arn.to_string(),
            None => format!("{} (new revision)", self.derived.family()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revision_not_registered_yet_has_no_arn_only_a_label_for_the_dry_run() {
        let derived = TaskDefinition {
            json: serde_json::from_value(serde_json::json!({"family": "web"})).unwrap(),
            tags: vec![],
        };
        let mut revision = Revision {
            label: "web:7".into(),
            before: None,
            derived: derived.clone(),
            action: Action::Register,
            target: None,
            pinned: vec![],
        };
        assert_eq!(revision.arn(), None);
        assert_eq!(revision.arn_or_label(), "web (new revision)");
        let mut registered = derived;
        let arn = "arn:aws:ecs:us-east-1:1:task-definition/web:8";
        registered
            .json
            .insert("taskDefinitionArn".into(), arn.into());
        revision.target = Some(registered);
        assert_eq!(revision.arn(), Some(arn));
        assert_eq!(revision.arn_or_label(), arn);
    }
}
