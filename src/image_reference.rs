//! Image references checked the way the OCI distribution spec (and docker's reference grammar)
//! reads them — `[REGISTRY[:PORT]/]PATH[:TAG][@ALGORITHM:HEX]` — so a broken `--image` is a
//! usage error naming the wrong part, not a revision ECS registers and cannot pull.

/// The longest repository name (registry included) the distribution spec allows.
const MAX_NAME: usize = 255;
/// The longest tag the distribution spec allows.
const MAX_TAG: usize = 128;

/// Checks a full reference (`registry/repo:tag`, `repo@sha256:…`); `Err` says which part is
/// wrong and why.
pub fn check(reference: &str) -> Result<(), String> {
    if reference.is_empty() {
        return Err("the image reference is empty".into());
    }
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (reference, None),
    };
    // A `:` after the last `/` starts the tag; one before it is a registry's port.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].find(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    // In reading order: the repository, then the tag, then the digest.
    check_name(name)?;
    if let Some(tag) = tag {
        check_tag(tag)?;
    }
    if let Some(digest) = digest {
        check_digest(digest)?;
    }
    Ok(())
}

/// Checks a repository name without tag or digest (the orb's `image=`).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the repository name is empty".into());
    }
    if name.len() > MAX_NAME {
        return Err(format!(
            "the repository name is {} characters long; at most {MAX_NAME} are allowed",
            name.len()
        ));
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1 && is_registry(components[0]) {
        check_registry(components.remove(0))?;
    }
    for component in components {
        check_path_component(component)?;
    }
    Ok(())
}

/// Checks a tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn check_tag(tag: &str) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    match chars.next() {
        None => Err("the tag after `:` is empty".into()),
        Some(first) if !word(first) => Err(format!(
            "tag `{tag}` must start with a letter, a digit or `_`"
        )),
        _ if tag.chars().count() > MAX_TAG => Err(format!(
            "tag `{tag}` is {} characters long; at most {MAX_TAG} are allowed",
            tag.chars().count()
        )),
        _ => match chars.find(|&c| !(word(c) || c == '.' || c == '-')) {
            Some(bad) => Err(format!(
                "tag `{tag}` has `{bad}`; tags are letters, digits, `_`, `.` and `-`"
            )),
            None => Ok(()),
        },
    }
}

/// Docker's rule: the first component names a registry when it has a `.` or a `:`, is
/// `localhost`, or has an uppercase letter (which a repository path may not).
fn is_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.chars().any(char::is_uppercase)
}

fn check_registry(registry: &str) -> Result<(), String> {
    let (host, port) = match registry.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (registry, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if host.is_empty() || !host.split('.').all(label_ok) {
        return Err(format!(
            "registry `{registry}` is not a host name (letters, digits, `-` and `.`)"
        ));
    }
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "registry `{registry}` has an invalid port `{port}`"
            ));
        }
    }
    Ok(())
}

/// A path component: `[a-z0-9]+` runs joined by one `.`, one or two `_`, or any `-`s.
fn check_path_component(component: &str) -> Result<(), String> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let fail = |why: &str| Err(format!("repository path component `{component}` {why}"));
    if component.is_empty() {
        return Err(
            "the repository path has an empty component (`//`, or a leading or trailing `/`)"
                .into(),
        );
    }
    if let Some(bad) = component
        .chars()
        .find(|&c| !(alnum(c) || matches!(c, '.' | '_' | '-')))
    {
        return fail(&format!(
            "has `{bad}`; use lowercase letters, digits, `.`, `_` and `-`"
        ));
    }
    if !component.starts_with(alnum) || !component.ends_with(alnum) {
        return fail("must start and end with a lowercase letter or a digit");
    }
    let separators_ok = component
        .split(alnum)
        .filter(|s| !s.is_empty())
        .all(|s| matches!(s, "." | "_" | "__") || s.chars().all(|c| c == '-'));
    if !separators_ok {
        return fail("joins its parts with more than one `.`/`_` (allowed: `.`, `_`, `__`, `-`…)");
    }
    Ok(())
}

/// `ALGORITHM:HEX` with the length the algorithm gives (sha256: 64, sha512: 128).
fn check_digest(digest: &str) -> Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!(
            "digest `{digest}` is not ALGORITHM:HEX (e.g. sha256: and 64 hex digits)"
        ));
    };
    let length = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        "" => return Err(format!("digest `{digest}` has no algorithm (e.g. sha256:)")),
        other => {
            return Err(format!(
                "digest algorithm `{other}` is not sha256 or sha512"
            ))
        }
    };
    if hex.len() != length || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(format!(
            "digest `{digest}`: {algorithm} takes {length} lowercase hex digits"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn accepts_what_registries_accept() {
        for good in [
            "nginx".to_string(),
            "nginx:1.25-alpine".into(),
            "library/nginx:latest".into(),
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v42".into(),
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app".into(),
            format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/app@{SHA}"),
            format!("app:v1@{SHA}"),
            "localhost:5000/a__b/c-d--e.f:T_1.0".into(),
            "public.ecr.aws/docker/library/redis:7".into(),
            format!("ghcr.io/o/r:{}", "t".repeat(128)),
        ] {
            assert_eq!(check(&good), Ok(()), "{good}");
        }
    }

    #[test]
    fn names_the_part_that_is_wrong() {
        for (bad, part) in [
            ("", "empty"),
            ("@sha256:", "repository name is empty"),
            ("@", "repository name is empty"),
            ("app@", "ALGORITHM:HEX"),
            ("app@:abc", "no algorithm"),
            ("//", "empty component"),
            ("app@sha256:abc", "64 lowercase hex"),
            (&format!("app@md5:{}", "0".repeat(32)), "algorithm `md5`"),
            ("app@sha256", "ALGORITHM:HEX"),
            (&format!("app@sha256:{}", "A".repeat(64)), "lowercase hex"),
            ("team/App:v1", "component `App`"),
            ("app:", "tag after `:` is empty"),
            ("app:.v1", "must start with"),
            ("app:v 1", "has ` `"),
            (&format!("app:{}", "t".repeat(129)), "at most 128"),
            ("bad_host_.com/app", "registry"),
            ("registry.example.com:port/app", "invalid port"),
            ("a/-b", "start and end"),
            ("a/b..c", "more than one"),
            (&"a".repeat(256), "at most 255"),
            ("app/", "empty component"),
            ("ünïcode/app", "has `ü`"),
        ] {
            let error = check(bad).unwrap_err();
            assert!(error.contains(part), "{bad:?}: {error}");
        }
    }

    #[test]
    fn tags_alone_and_names_alone() {
        assert_eq!(check_tag("v1.2-rc_3"), Ok(()));
        assert!(check_tag("-v1").is_err());
        assert_eq!(check_name("repo/app"), Ok(()));
        assert!(check_name("repo/App").is_err());
    }
}
