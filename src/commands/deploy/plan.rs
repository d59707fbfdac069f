//! What deploy was asked to do, checked before anything touches AWS: the changes to each
//! container, the orb's `container-image-name-updates`, the `--task-definition-file`; and the
//! revision each task definition becomes.

use serde_json::Value;

use crate::cli::DeployArgs;
use crate::ecr::{ImageRef, Pinned};
use crate::error::{Error, Result};
use crate::task_definition::{Change, TaskDefinition};
use crate::template;

// The plan: every flag checked, and the template file read, before anything touches AWS.

pub struct Plan {
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

impl Plan {
    pub fn from_args(args: &DeployArgs) -> Result<Self> {
        let mut changes = vec![];
        for spec in &args.images {
            if !spec.trim().is_empty() {
                changes.push(Change::image(spec.trim())?);
            }
        }
        for spec in &args.set_env {
            changes.push(Change::set_env(spec)?);
        }
        for spec in &args.unset_env {
            changes.push(Change::unset_env(spec)?);
        }
        for spec in &args.secrets {
            changes.push(Change::secret(spec)?);
        }
        let image_updates = match &args.container_image_name_updates {
            Some(text) => parse_image_name_updates(text)?,
            None => vec![],
        };
        let source = match (&args.task_definition, &args.task_definition_file) {
            (Some(reference), _) => Source::Reference(reference.clone()),
            (None, Some(path)) => Source::File {
                path: path.display().to_string(),
                definition: read_task_definition_file(&path.display().to_string())?,
            },
            (None, None) => Source::Live,
        };
        Ok(Plan {
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
            .map(|u| (u.container.as_str(), "--container-image-name-updates"));
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
        for update in &self.image_updates {
            let Some(current) = derived.image(&update.container).map(str::to_string) else {
                continue;
            };
            derived.apply(&Change::Image {
                container: update.container.clone(),
                image: update.apply_to(&current),
            })?;
            imaged.push(update.container.clone());
        }
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

/// One entry of the aws-ecs orb's `container-image-name-updates`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct ImageUpdate {
    container: String,
    image: Option<String>,
    tag: Option<String>,
    image_and_tag: Option<String>,
}

impl ImageUpdate {
    /// The new image, given the container's current one: `image=` keeps the current tag,
    /// `tag=` keeps the current image name (dropping a pinned digest), `image-and-tag=` replaces all.
    fn apply_to(&self, current: &str) -> String {
        if let Some(full) = &self.image_and_tag {
            return full.clone();
        }
        let current = ImageRef::parse(current);
        let name = self.image.clone().unwrap_or_else(|| current.name());
        match (&self.tag, &self.image) {
            (Some(tag), _) => format!("{name}:{tag}"),
            (None, Some(_)) => match &current.tag {
                Some(tag) => format!("{name}:{tag}"),
                None => name,
            },
            (None, None) => current.to_string(),
        }
    }
}

/// `container=web,tag=v2 container=worker,image-and-tag=repo/worker:v2` — entries separated by
/// spaces or commas, each starting at `container=`.
fn parse_image_name_updates(text: &str) -> Result<Vec<ImageUpdate>> {
    let bad = |detail: String| {
        Error::input_with_hint(
            format!("--container-image-name-updates `{text}`: {detail}"),
            "expected container=NAME,tag=TAG (or image=IMAGE, or image-and-tag=IMAGE:TAG), several separated by spaces",
        )
    };
    let mut updates: Vec<ImageUpdate> = vec![];
    for pair in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| bad(format!("`{pair}` is not key=value")))?;
        if value.is_empty() {
            return Err(bad(format!("`{key}` has no value")));
        }
        if key == "container" {
            updates.push(ImageUpdate {
                container: value.into(),
                ..ImageUpdate::default()
            });
            continue;
        }
        let current = updates
            .last_mut()
            .ok_or_else(|| bad(format!("`{pair}` comes before any container=")))?;
        let slot = match key {
            "image" => &mut current.image,
            "tag" => &mut current.tag,
            "image-and-tag" => &mut current.image_and_tag,
            _ => {
                return Err(bad(format!(
                    "unknown key `{key}` (use container, image, tag or image-and-tag)"
                )))
            }
        };
        if slot.replace(value.into()).is_some() {
            return Err(bad(format!(
                "`{key}` given twice for container `{}`",
                current.container
            )));
        }
    }
    if updates.is_empty() {
        return Err(bad("no container=NAME entry".into()));
    }
    for update in &updates {
        match update {
            ImageUpdate {
                image: None,
                tag: None,
                image_and_tag: None,
                ..
            } => {
                return Err(bad(format!(
                    "container `{}` has no image=, tag= or image-and-tag=",
                    update.container
                )))
            }
            ImageUpdate {
                image_and_tag: Some(_),
                ..
            } if update.image.is_some() || update.tag.is_some() => {
                return Err(bad(format!(
                    "container `{}`: image-and-tag= cannot be combined with image= or tag=",
                    update.container
                )))
            }
            _ => {}
        }
    }
    Ok(updates)
}

/// `--task-definition-file`: JSON (a RegisterTaskDefinition input, or DescribeTaskDefinition
/// output) with `${VAR}` taken from the environment.
fn read_task_definition_file(path: &str) -> Result<TaskDefinition> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(format!("--task-definition-file: cannot read {path}: {e}")))?;
    let expanded = template::expand_env(&text).map_err(|e| {
        Error::input_with_hint(
            format!("{path}: {e}"),
            "export the variable, or write $$ for a literal $",
        )
    })?;
    let value: Value = serde_json::from_str(&expanded).map_err(|e| {
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
    pub fn arn(&self) -> String {
        match &self.target {
            Some(target) => target.arn().to_string(),
            None => format!("{} (new revision)", self.derived.family()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app";

    #[test]
    fn image_name_updates_in_the_orb_format() {
        let updates = parse_image_name_updates(
            "container=web,tag=v2 container=worker,image-and-tag=repo/w:3",
        )
        .unwrap();
        assert_eq!(updates.len(), 2);
        assert_eq!(updates[0].container, "web");
        assert_eq!(updates[0].tag.as_deref(), Some("v2"));
        assert_eq!(updates[1].image_and_tag.as_deref(), Some("repo/w:3"));
        // The orb's own comma-only form.
        let orb = parse_image_name_updates("container=a,image=x,container=b,tag=1").unwrap();
        assert_eq!(
            (orb[0].image.as_deref(), orb[1].tag.as_deref()),
            (Some("x"), Some("1"))
        );
    }

    #[test]
    fn malformed_image_name_updates_are_rejected_with_the_reason() {
        for (text, needle) in [
            ("tag=v2", "before any container="),
            ("container=web", "has no image="),
            ("container=web,colour=blue", "unknown key `colour`"),
            ("container=web,tag", "not key=value"),
            ("container=web,tag=", "has no value"),
            ("container=web,tag=1,tag=2", "given twice"),
            (
                "container=web,image-and-tag=a:1,tag=2",
                "cannot be combined",
            ),
            ("", "no container=NAME"),
        ] {
            let error = parse_image_name_updates(text).unwrap_err().to_string();
            assert!(error.contains(needle), "{text:?}: {error}");
        }
    }

    #[test]
    fn tag_update_keeps_the_name_and_drops_a_pinned_digest() {
        let update = ImageUpdate {
            container: "app".into(),
            tag: Some("v2".into()),
            ..ImageUpdate::default()
        };
        assert_eq!(update.apply_to(&format!("{REPO}:v1")), format!("{REPO}:v2"));
        assert_eq!(
            update.apply_to(&format!("{REPO}@sha256:abc")),
            format!("{REPO}:v2")
        );
    }

    #[test]
    fn image_update_keeps_the_tag() {
        let update = ImageUpdate {
            container: "app".into(),
            image: Some("other/app".into()),
            ..ImageUpdate::default()
        };
        assert_eq!(update.apply_to("app:v1"), "other/app:v1");
        assert_eq!(update.apply_to("app"), "other/app");
        let both = ImageUpdate {
            tag: Some("v9".into()),
            ..update.clone()
        };
        assert_eq!(both.apply_to("app:v1"), "other/app:v9");
        let full = ImageUpdate {
            container: "app".into(),
            image_and_tag: Some("x/y:z".into()),
            ..ImageUpdate::default()
        };
        assert_eq!(full.apply_to("app:v1"), "x/y:z");
    }
}
