//! Image changes relative to a container's current image, shared by `deploy` and `run-task`:
//! the tag-only `--image CONTAINER=:TAG` and the aws-ecs orb's `--container-image-name-updates`
//! (`container=web,tag=v2`). The repository comes from the task definition being derived.

use std::collections::HashMap;

use crate::ecr::ImageRef;
use crate::error::{Error, Result};
use crate::image_reference;
use crate::task_definition::{Change, TaskDefinition};

/// One entry of the aws-ecs orb's `container-image-name-updates`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageUpdate {
    pub container: String,
    pub image: Option<String>,
    pub tag: Option<String>,
    pub image_and_tag: Option<String>,
    /// The flag it came from, for error messages.
    pub flag: &'static str,
}

impl ImageUpdate {
    /// The new image, given the container's current one: `image=` keeps the current tag,
    /// `tag=` keeps the current image name (dropping a pinned digest), `image-and-tag=` replaces all.
    pub fn apply_to(&self, current: &str) -> String {
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
pub fn parse_image_name_updates(text: &str) -> Result<Vec<ImageUpdate>> {
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
        let checked = match key {
            "image" => image_reference::check_name(value),
            "tag" => image_reference::check_tag(value),
            "image-and-tag" => image_reference::check(value),
            _ => Ok(()),
        };
        checked.map_err(|why| bad(format!("`{key}={value}`: {why}")))?;
        if key == "container" {
            updates.push(ImageUpdate {
                container: value.into(),
                flag: "--container-image-name-updates",
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

/// `--image` (each `CONTAINER=IMAGE`, or tag-only `CONTAINER=:TAG`) and
/// `--container-image-name-updates`, as `deploy` and `run-task` both take them: the full images
/// as [`Change::image`]s, the rest as updates resolved against each container's current image.
pub fn parse_flags(
    images: &[String],
    name_updates: Option<&str>,
) -> Result<(Vec<Change>, Vec<ImageUpdate>)> {
    crate::checks::images_given(images)?;
    let mut changes = vec![];
    let mut updates = vec![];
    for spec in images.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match tag_only(spec)? {
            Some(update) => updates.push(update),
            None => changes.push(Change::image(spec)?),
        }
    }
    if let Some(text) = name_updates {
        updates.extend(parse_image_name_updates(text)?);
    }
    Ok((changes, updates))
}

/// `--image CONTAINER=:TAG`: the tag-only form, resolved against the container's current
/// repository. `None` for a full `CONTAINER=IMAGE` (a [`Change::image`]).
pub fn tag_only(spec: &str) -> Result<Option<ImageUpdate>> {
    let Some((container, tag)) = spec
        .split_once('=')
        .and_then(|(container, image)| Some((container, image.strip_prefix(':')?)))
    else {
        return Ok(None);
    };
    if container.is_empty() || image_reference::check_tag(tag).is_err() {
        return Err(Error::input_with_hint(
            format!("--image `{spec}` is not CONTAINER=:TAG"),
            "e.g. --image app=:v42 (keeps app's repository), or --image app=REPOSITORY:TAG",
        ));
    }
    Ok(Some(ImageUpdate {
        container: container.into(),
        tag: Some(tag.into()),
        flag: "--image",
        ..ImageUpdate::default()
    }))
}

/// Contradicting image and environment changes: one container's image set twice (by `--image`
/// or `--container-image-name-updates`), or one variable both set and unset.
pub fn conflicts(changes: &[Change], updates: &[ImageUpdate]) -> Result<()> {
    let mut images: HashMap<&str, String> = HashMap::new();
    let image_changes = changes.iter().filter_map(|change| match change {
        Change::Image { container, image } => {
            Some((container.as_str(), format!("--image {container}={image}")))
        }
        _ => None,
    });
    let update_changes = updates.iter().map(|u| {
        (
            u.container.as_str(),
            format!("{} for `{}`", u.flag, u.container),
        )
    });
    for (container, source) in image_changes.chain(update_changes) {
        if let Some(earlier) = images.insert(container, source.clone()) {
            return Err(Error::Usage(format!(
                "container `{container}` gets two images: {earlier} and {source}; give one"
            )));
        }
    }
    for change in changes {
        let Change::UnsetEnv { container, key } = change else {
            continue;
        };
        let set = changes.iter().any(|c| {
            matches!(c, Change::SetEnv { container: c2, key: k2, .. } if c2 == container && k2 == key)
        });
        if set {
            return Err(Error::Usage(format!(
                "--set-env {container}:{key}=… and --unset-env {container}:{key} contradict each other; give one"
            )));
        }
    }
    Ok(())
}

/// Applies each update to its container in `definition`, skipping containers it does not
/// have (callers check those first); returns the containers whose image changed.
pub fn apply_all(definition: &mut TaskDefinition, updates: &[ImageUpdate]) -> Result<Vec<String>> {
    let mut changed = vec![];
    for update in updates {
        let Some(current) = definition.image(&update.container).map(str::to_string) else {
            continue;
        };
        definition.apply(&Change::Image {
            container: update.container.clone(),
            image: update.apply_to(&current),
        })?;
        changed.push(update.container.clone());
    }
    Ok(changed)
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
            ("container=web,tag=a/b", "`tag=a/b`"),
            ("container=web,image=Repo/App", "`image=Repo/App`"),
            ("container=web,image-and-tag=a@sha256:", "digest"),
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

    #[test]
    fn conflicts_name_both_sides() {
        let image = |c: &str, i: &str| Change::Image {
            container: c.into(),
            image: i.into(),
        };
        let error = conflicts(&[image("app", "x:1"), image("app", "x:2")], &[]).unwrap_err();
        assert!(error
            .to_string()
            .contains("--image app=x:1 and --image app=x:2"));
        let update = ImageUpdate {
            container: "app".into(),
            tag: Some("y".into()),
            flag: "--container-image-name-updates",
            ..ImageUpdate::default()
        };
        let error = conflicts(&[image("app", "x:1")], std::slice::from_ref(&update)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("--image app=x:1 and --container-image-name-updates"),
            "{error}"
        );
        assert!(conflicts(&[image("web", "x:1")], &[update]).is_ok());
        let env = [
            Change::SetEnv {
                container: "app".into(),
                key: "FOO".into(),
                value: "1".into(),
            },
            Change::UnsetEnv {
                container: "app".into(),
                key: "FOO".into(),
            },
        ];
        let error = conflicts(&env, &[]).unwrap_err();
        assert_eq!(error.code(), 2);
        assert!(error.to_string().contains("--unset-env app:FOO"), "{error}");
    }

    #[test]
    fn tag_only_image_keeps_the_repository() {
        let update = tag_only("app=:v42").unwrap().unwrap();
        assert_eq!(update.container, "app");
        assert_eq!(update.flag, "--image");
        assert_eq!(
            update.apply_to(&format!("{REPO}:v1")),
            format!("{REPO}:v42")
        );
        assert_eq!(
            update.apply_to(&format!("{REPO}@sha256:abc")),
            format!("{REPO}:v42")
        );
        assert_eq!(tag_only(&format!("app={REPO}:v1")).unwrap(), None);
        for bad in ["app=:", "=:v1", "app=:a/b", "app=:v1:v2"] {
            let error = tag_only(bad).unwrap_err().to_string();
            assert!(error.contains("CONTAINER=:TAG"), "{bad}: {error}");
        }
    }

    #[test]
    fn image_flags_split_into_full_images_and_updates() {
        let images = [
            format!("web={REPO}:v2"),
            "worker=:v3".to_string(),
            "  ".to_string(),
        ];
        let (changes, updates) = parse_flags(&images, Some("container=cron,tag=v4")).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].container(), "web");
        let named: Vec<_> = updates
            .iter()
            .map(|u| (u.container.as_str(), u.flag))
            .collect();
        assert_eq!(
            named,
            [
                ("worker", "--image"),
                ("cron", "--container-image-name-updates")
            ]
        );
        assert!(parse_flags(&["web=:".into()], None).is_err());
        assert!(parse_flags(&[], Some("tag=v1")).is_err());
    }
}
