//! Container image references, and ECR: which images live in ECR, resolving a tag to the
//! digest it points at now (so a deployed revision never changes under a moved tag), and the
//! docker-login token.

use std::collections::HashMap;

use base64::Engine;

use crate::aws::{Aws, ErrorKind, ImageLookup};
use crate::error::Error;
use crate::render::progress::Progress;
use crate::task_definition::{Change, TaskDefinition};

/// `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`, split the way docker splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub registry: Option<String>,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// The account and region of a private ECR registry host
/// (`123456789012.dkr.ecr.us-east-1.amazonaws.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrRegistry {
    pub account: String,
    pub region: String,
}

impl ImageRef {
    pub fn parse(image: &str) -> Self {
        let (rest, digest) = match image.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_string())),
            None => (image, None),
        };
        // The first path component is a registry when it looks like a host.
        let (registry, path) = match rest.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), path)
            }
            _ => (None, rest),
        };
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match path[last_slash..].rfind(':') {
            Some(colon) => {
                let colon = last_slash + colon;
                (
                    path[..colon].to_string(),
                    Some(path[colon + 1..].to_string()),
                )
            }
            None => (path.to_string(), None),
        };
        ImageRef {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        match &self.registry {
            Some(registry) => format!("{registry}/{}", self.repository),
            None => self.repository.clone(),
        }
    }

    pub fn ecr(&self) -> Option<EcrRegistry> {
        parse_ecr_host(self.registry.as_deref()?)
    }

    pub fn with_digest(&self, digest: &str) -> String {
        format!("{}@{digest}", self.name())
    }
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// `ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]`
pub fn parse_ecr_host(host: &str) -> Option<EcrRegistry> {
    let host = host.split(':').next()?;
    let rest = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let mut parts = rest.split('.');
    let (account, dkr, ecr, region) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let valid = parts.next().is_none()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && dkr == "dkr"
        && (ecr == "ecr" || ecr == "ecr-fips")
        && !region.is_empty();
    valid.then(|| EcrRegistry {
        account: account.to_string(),
        region: region.to_string(),
    })
}

/// The digest `repository:tag` points at, with DescribeImages. `registry` `None` means the
/// caller's own account in the client's region. A missing tag or repository is bad input
/// naming both.
pub async fn resolve_digest(
    aws: &Aws,
    registry: Option<&EcrRegistry>,
    repository: &str,
    tag: &str,
) -> Result<String, Error> {
    let where_ = match registry {
        Some(r) => format!("account {}, {}", r.account, r.region),
        None => aws.region().to_string(),
    };
    let tag_missing = || {
        Error::input_with_hint(
            format!("image tag `{tag}` not found in ECR repository `{repository}` ({where_})"),
            "push the image first, or check the tag (--no-pin-digest skips this check)",
        )
    };
    let lookup = ImageLookup {
        registry_id: registry.map(|r| r.account.as_str()),
        region: registry.map(|r| r.region.as_str()),
        repository,
        tag,
    };
    let digest =
        aws.image_digest(&lookup).await.map_err(|e| {
            match e.kind() {
        ErrorKind::NotFound if e.code == "RepositoryNotFoundException" => Error::input_with_hint(
            format!("ECR repository `{repository}` not found ({where_}) looking for tag `{tag}`"),
            "check the repository name, the account and the region in the image URI",
        ),
        ErrorKind::NotFound => tag_missing(),
        _ => e.into(),
    }
        })?;
    digest.ok_or_else(tag_missing)
}

/// An image that was pinned: the container, the reference as given, and the pinned one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    pub container: String,
    pub from: String,
    pub to: String,
}

/// Replaces `repo:tag` with `repo@sha256:…` in the named containers whose image is in ECR and
/// not already pinned. Images outside ECR (Docker Hub, GHCR) are left as they are. Each
/// distinct image is resolved once.
pub async fn pin_images(
    aws: &Aws,
    definition: &mut TaskDefinition,
    containers: &[String],
    progress: &Progress,
) -> Result<Vec<Pinned>, Error> {
    let mut resolved: HashMap<String, String> = HashMap::new();
    let mut pinned = vec![];
    for container in containers {
        let Some(image) = definition.image(container).map(str::to_string) else {
            continue;
        };
        let reference = ImageRef::parse(&image);
        let Some(registry) = reference.ecr() else {
            continue;
        };
        if reference.digest.is_some() {
            continue;
        }
        let to = match resolved.get(&image) {
            Some(to) => to.clone(),
            None => {
                let tag = reference.tag.as_deref().unwrap_or("latest");
                let digest =
                    resolve_digest(aws, Some(&registry), &reference.repository, tag).await?;
                let to = reference.with_digest(&digest);
                progress.say(format_args!("pinned {image} to {digest}"));
                resolved.insert(image.clone(), to.clone());
                to
            }
        };
        definition.apply(&Change::Image {
            container: container.clone(),
            image: to.clone(),
        })?;
        pinned.push(Pinned {
            container: container.clone(),
            from: image,
            to,
        });
    }
    Ok(pinned)
}

/// A docker-login credential for an ECR registry.
pub struct Login {
    pub username: String,
    pub password: String,
    /// `https://ACCOUNT.dkr.ecr.REGION.amazonaws.com`
    pub endpoint: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// GetAuthorizationToken, decoded: the token is base64 of `AWS:password`.
pub async fn login(aws: &Aws) -> Result<Login, Error> {
    let (token, endpoint) = aws
        .ecr_authorization()
        .await?
        .ok_or_else(|| Error::Other("GetAuthorizationToken returned no token".into()))?;
    decode_token(&token, endpoint)
}

fn decode_token(token: &str, endpoint: String) -> Result<Login, Error> {
    let bad = || {
        Error::Other(
            "GetAuthorizationToken returned a token that is not base64 of USER:PASSWORD".into(),
        )
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (username, password) = decoded.split_once(':').ok_or_else(bad)?;
    Ok(Login {
        username: username.to_string(),
        password: password.to_string(),
        endpoint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com";

    #[test]
    fn parses_ecr_references() {
        let image = ImageRef::parse(&format!("{HOST}/team/app:v42"));
        assert_eq!(image.registry.as_deref(), Some(HOST));
        assert_eq!(image.repository, "team/app");
        assert_eq!(image.tag.as_deref(), Some("v42"));
        assert_eq!(image.digest, None);
        assert_eq!(
            image.ecr(),
            Some(EcrRegistry {
                account: "123456789012".into(),
                region: "ap-northeast-1".into()
            })
        );
        assert_eq!(
            image.with_digest("sha256:ab"),
            format!("{HOST}/team/app@sha256:ab")
        );
        assert_eq!(image.to_string(), format!("{HOST}/team/app:v42"));
    }

    #[test]
    fn parses_digests_ports_and_bare_names() {
        let pinned = ImageRef::parse(&format!("{HOST}/app@sha256:abc"));
        assert_eq!(
            (pinned.tag, pinned.digest.as_deref()),
            (None, Some("sha256:abc"))
        );
        let local = ImageRef::parse("localhost:5000/app:1");
        assert_eq!(local.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(
            (local.repository.as_str(), local.tag.as_deref()),
            ("app", Some("1"))
        );
        let hub = ImageRef::parse("nginx");
        assert_eq!(
            (hub.registry, hub.repository.as_str(), hub.tag),
            (None, "nginx", None)
        );
        let org = ImageRef::parse("library/nginx:1.25");
        assert_eq!(
            (org.registry.as_deref(), org.repository.as_str()),
            (None, "library/nginx")
        );
        assert!(org.ecr().is_none());
    }

    #[test]
    fn recognises_ecr_hosts_only() {
        assert!(parse_ecr_host("123456789012.dkr.ecr.us-east-1.amazonaws.com").is_some());
        assert!(parse_ecr_host("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com").is_some());
        assert_eq!(
            parse_ecr_host("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn").map(|r| r.region),
            Some("cn-north-1".into())
        );
        assert!(parse_ecr_host("public.ecr.aws").is_none());
        assert!(parse_ecr_host("ghcr.io").is_none());
        assert!(parse_ecr_host("12345.dkr.ecr.us-east-1.amazonaws.com").is_none());
        assert!(parse_ecr_host("123456789012.dkr.ecr.us-east-1.evil.com").is_none());
    }

    #[test]
    fn login_token_decodes_and_never_debug_prints_the_password() {
        let token = base64::engine::general_purpose::STANDARD.encode("AWS:s3cret-pw");
        let login = decode_token(&token, format!("https://{HOST}")).unwrap();
        assert_eq!(login.username, "AWS");
        assert_eq!(login.password, "s3cret-pw");
        assert!(!format!("{login:?}").contains("s3cret"));
        assert!(decode_token("!!!", String::new()).is_err());
    }
}
